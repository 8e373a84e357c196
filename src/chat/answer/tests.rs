use super::*;
use crate::domain::language::assert_only;

fn typed() -> Surface {
    Surface {
        platform: "test",
        buttons: false,
        read_person: |t| (t.to_string(), None),
        help: None,
    }
}

#[test]
fn a_forget_confirmation_always_says_what_to_type() {
    for language in [Language::Nl, Language::En] {
        for max_chars in [DEFAULT_MAX_CHARS, 120] {
            let ctx = RenderContext {
                language,
                tz: chrono_tz::Europe::Amsterdam,
                max_chars,
            };
            let handled: Handled = Ok(Reply::ForgetConfirm {
                reflections: 1,
                signals: 2,
                prompts: 3,
            });
            let text = parts(handled, &ctx, &typed()).text;
            assert!(render::char_count(&text) <= max_chars, "{text}");
            assert!(text.ends_with(FORGET_CONFIRM_HOW.get(language)), "{text}");
            assert_only(language, &text);
        }
    }
}

#[test]
fn the_shared_answers_are_in_one_language_each() {
    assert_in_one_language_each(&[
        EXPORT_DESCRIPTION,
        FORGET_CONFIRM_HOW,
        stale(StaleButton::OlderVersion),
        stale(StaleButton::Unknown),
    ]);
}

/// Which parts each kind of outcome comes to, on a platform with buttons and one without.
#[test]
fn each_outcome_comes_to_its_parts() {
    let ctx = RenderContext {
        language: Language::En,
        tz: chrono_tz::Europe::Amsterdam,
        max_chars: DEFAULT_MAX_CHARS,
    };
    let forget = || {
        Ok(Reply::ForgetConfirm {
            reflections: 1,
            signals: 2,
            prompts: 3,
        })
    };
    let export = || {
        Ok(Reply::Exported {
            file_name: "me.json".into(),
            json: "{}".into(),
        })
    };
    let buttons = Surface {
        buttons: true,
        ..typed()
    };
    // (case, outcome, surface, choices, with a file)
    let cases: [(&str, Handled, &Surface, Vec<Choice>, bool); 5] = [
        (
            "forget, buttons",
            forget(),
            &buttons,
            vec![Choice::ConfirmForget],
            false,
        ),
        ("forget, typed", forget(), &typed(), vec![], false),
        ("export", export(), &buttons, vec![], true),
        ("resumed", Ok(Reply::Resumed), &typed(), vec![], false),
        (
            "refused",
            Err(crate::app::inbox::UserError::UnknownSender.into()),
            &buttons,
            vec![],
            false,
        ),
    ];
    for (case, handled, surface, choices, file) in cases {
        let answer = parts(handled, &ctx, surface);
        assert_eq!(answer.choices, choices, "{case}");
        assert_eq!(answer.file.is_some(), file, "{case}");
        assert!(!answer.text.is_empty(), "{case}");
    }
}
