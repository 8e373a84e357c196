//! Loading the library: the files shipped in the binary, parsing and checking them into a
//! [`Catalogue`], and looking prompts up.

use serde::Deserialize;

use super::checks::{Parsed, check_across_files, check_prompt, index_language};
use super::model::{Prompt, PromptId, SourceFile, Theme};
use super::problem::CatalogueProblem;
use crate::domain::language::Language;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
/// One prompt file as written.
struct RawFile {
    #[serde(default)]
    prompt: Vec<RawPrompt>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
/// One `[[prompt]]` as written, before any check.
pub(super) struct RawPrompt {
    pub(super) id: String,
    pub(super) theme: String,
    pub(super) phase: String,
    pub(super) text: String,
}

/// The checked prompt library, Dutch and English, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    pub(super) nl: Vec<Prompt>,
    pub(super) en: Vec<Prompt>,
}

/// The prompt files shipped in the binary: (language, name, content).
const BUILTIN: [(Language, &str, &str); 10] = [
    (
        Language::Nl,
        "prompts/nl/fundamenten.toml",
        include_str!("../../../prompts/nl/fundamenten.toml"),
    ),
    (
        Language::Nl,
        "prompts/nl/rollen.toml",
        include_str!("../../../prompts/nl/rollen.toml"),
    ),
    (
        Language::Nl,
        "prompts/nl/begeleiding.toml",
        include_str!("../../../prompts/nl/begeleiding.toml"),
    ),
    (
        Language::Nl,
        "prompts/nl/klik.toml",
        include_str!("../../../prompts/nl/klik.toml"),
    ),
    (
        Language::Nl,
        "prompts/nl/context.toml",
        include_str!("../../../prompts/nl/context.toml"),
    ),
    (
        Language::En,
        "prompts/en/fundamenten.toml",
        include_str!("../../../prompts/en/fundamenten.toml"),
    ),
    (
        Language::En,
        "prompts/en/rollen.toml",
        include_str!("../../../prompts/en/rollen.toml"),
    ),
    (
        Language::En,
        "prompts/en/begeleiding.toml",
        include_str!("../../../prompts/en/begeleiding.toml"),
    ),
    (
        Language::En,
        "prompts/en/klik.toml",
        include_str!("../../../prompts/en/klik.toml"),
    ),
    (
        Language::En,
        "prompts/en/context.toml",
        include_str!("../../../prompts/en/context.toml"),
    ),
];

impl Catalogue {
    /// Parses and checks the files; returns every problem found (not just the first).
    pub fn parse(files: &[SourceFile]) -> Result<Catalogue, Vec<CatalogueProblem>> {
        let mut problems = Vec::new();
        let mut nl: Vec<Parsed> = Vec::new();
        let mut en: Vec<Parsed> = Vec::new();

        for file in files {
            let raw: RawFile = match toml::from_str(&file.content) {
                Ok(raw) => raw,
                Err(err) => {
                    let line = err.span().map(|span| line_of(&file.content, span.start));
                    problems.push(CatalogueProblem::Syntax {
                        file: file.name.clone(),
                        line,
                        message: err.message().trim().to_string(),
                    });
                    continue;
                }
            };
            let target = match file.language {
                Language::Nl => &mut nl,
                Language::En => &mut en,
            };
            for raw in raw.prompt {
                if let Some(prompt) = check_prompt(&file.name, file.language, raw, &mut problems) {
                    target.push(Parsed {
                        prompt,
                        file: file.name.clone(),
                    });
                }
            }
        }

        let nl_index = index_language(Language::Nl, &nl, &mut problems);
        let en_index = index_language(Language::En, &en, &mut problems);

        // A file that did not parse would make every one of its prompts look missing; report
        // the syntax problem and the per-prompt problems, and skip the checks across files.
        let any_syntax = problems
            .iter()
            .any(|p| matches!(p, CatalogueProblem::Syntax { .. }));
        if !any_syntax {
            check_across_files(&nl, &en, &nl_index, &en_index, &mut problems);
        }

        if problems.is_empty() {
            Ok(Catalogue {
                nl: nl.into_iter().map(|p| p.prompt).collect(),
                en: en.into_iter().map(|p| p.prompt).collect(),
            })
        } else {
            Err(problems)
        }
    }

    /// The prompt files shipped in the binary, as [`SourceFile`]s.
    pub fn builtin_sources() -> Vec<SourceFile> {
        BUILTIN
            .iter()
            .map(|&(language, name, content)| SourceFile {
                name: name.to_string(),
                language,
                content: content.to_string(),
            })
            .collect()
    }

    /// The library shipped in the binary (`prompts/{nl,en}/*.toml`, compiled in).
    ///
    /// # Panics
    /// Only if the shipped files fail the checks; the unit test
    /// `builtin_catalogue_passes_all_checks` guards against that, so a build whose tests pass
    /// never panics here.
    pub fn builtin() -> Catalogue {
        match Catalogue::parse(&Catalogue::builtin_sources()) {
            Ok(cat) => cat,
            Err(problems) => {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                panic!("shipped prompt library is broken:\n{}", list.join("\n"))
            }
        }
    }

    /// The shipped library, parsed once per process.
    pub fn builtin_shared() -> &'static Catalogue {
        static SHARED: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        SHARED.get_or_init(Catalogue::builtin)
    }

    /// The prompt with this id in a language.
    pub fn get(&self, lang: Language, id: &PromptId) -> Option<&Prompt> {
        self.prompts(lang).iter().find(|p| &p.id == id)
    }

    /// All prompts in a language, in file order.
    pub fn prompts(&self, lang: Language) -> &[Prompt] {
        match lang {
            Language::Nl => &self.nl,
            Language::En => &self.en,
        }
    }

    /// The prompts of one theme in a language.
    pub fn by_theme(&self, lang: Language, theme: Theme) -> impl Iterator<Item = &Prompt> {
        self.prompts(lang).iter().filter(move |p| p.theme == theme)
    }
}

/// 1-based line number of a byte offset.
fn line_of(content: &str, offset: usize) -> usize {
    let end = offset.min(content.len());
    content
        .as_bytes()
        .iter()
        .take(end)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
