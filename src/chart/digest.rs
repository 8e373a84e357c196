//! The digest chart: a header (title + legend) and one panel per team.
//!
//! The pixel layout lives in the small `pub(crate)` functions at the top; the drawing code
//! uses them for every bar and label, and the tests use them to find the bar columns.

use std::ops::Range;

use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::{
    Canvas, ChartError, DigestChart, GEEN, GOED, GRID, INK, KlikBars, MUTED, Panel, Picture,
    RESPONSE, TWIJFEL, draw_err, fit_text, render, rgb, text_at, text_width,
};

/// Width of the digest picture in pixels.
pub(crate) const WIDTH: u32 = 800;
/// Height of the header: title and legend row.
const HEADER_H: u32 = 92;
/// Height of one team panel.
const PANEL_H: u32 = 240;
/// Height of the body when there are no panels at all.
const EMPTY_BODY_H: u32 = 60;

/// Panel geometry, relative to the panel's top-left corner.
const PLOT_TOP: u32 = 44;
const X_AXIS_H: u32 = 32;
const BOTTOM_MARGIN: u32 = 8;
const LEFT_MARGIN: u32 = 12;
const LEFT_AXIS: u32 = 52;
const RIGHT_MARGIN: u32 = 12;
const RIGHT_AXIS: u32 = 68;

/// Share of a week's slot taken by its bar.
const BAR_SHARE: f64 = 0.6;
/// Widest bar in pixels (when there are only a few weeks).
const MAX_BAR_W: u32 = 48;

const TITLE_SIZE: u32 = 26;
const LEGEND_SIZE: u32 = 20;
const PANEL_TITLE_SIZE: u32 = 22;
const LABEL_SIZE: u32 = 18;

/// Total picture height for `n_panels` panels.
pub(crate) fn digest_height(n_panels: usize) -> u32 {
    if n_panels == 0 {
        HEADER_H + EMPTY_BODY_H
    } else {
        let n = u32::try_from(n_panels).unwrap_or(u32::MAX / PANEL_H);
        HEADER_H.saturating_add(PANEL_H.saturating_mul(n))
    }
}

/// Top pixel row of panel `panel`.
fn panel_top(panel: usize) -> u32 {
    let p = u32::try_from(panel).unwrap_or(u32::MAX / PANEL_H);
    HEADER_H.saturating_add(PANEL_H.saturating_mul(p))
}

/// Pixel columns of the plotting area (the same for every panel).
pub(crate) fn plot_x(width: u32) -> Range<u32> {
    let start = LEFT_MARGIN + LEFT_AXIS;
    let end = width
        .saturating_sub(RIGHT_MARGIN + RIGHT_AXIS)
        .max(start + 1);
    start..end
}

/// Pixel rows of panel `panel`'s plotting area (value 0 is on row `end - 1`).
pub(crate) fn panel_plot_y(panel: usize) -> Range<u32> {
    let top = panel_top(panel);
    (top + PLOT_TOP)..(top + PANEL_H - BOTTOM_MARGIN - X_AXIS_H)
}

/// Pixel columns of week `i`'s slot (of `n_weeks`) in the plotting area.
pub(crate) fn week_column_x(width: u32, n_weeks: usize, i: usize) -> Range<u32> {
    let plot = plot_x(width);
    if n_weeks == 0 || i >= n_weeks {
        return plot.start..plot.start;
    }
    let w = u64::from(plot.end - plot.start);
    let n = n_weeks as u64;
    let at = |k: u64| plot.start + u32::try_from(w * k / n).unwrap_or(0);
    at(i as u64)..at(i as u64 + 1)
}

/// Pixel columns of week `i`'s bar: centred in its slot, [`BAR_SHARE`] of the slot wide
/// but at most [`MAX_BAR_W`] pixels.
pub(crate) fn bar_column_x(width: u32, n_weeks: usize, i: usize) -> Range<u32> {
    let col = week_column_x(width, n_weeks, i);
    let w = col.end - col.start;
    let bar = ((f64::from(w) * BAR_SHARE).round() as u32).clamp(1.min(w), MAX_BAR_W);
    let start = col.start + (w - bar) / 2;
    start..start + bar
}

/// Counts above this are drawn as this (keeps plotters' integer tick search in range).
const MAX_COUNT_AXIS: u32 = 1_000_000_000;

/// The top of the count axis: above the highest stack (so no bar touches the frame), rounded
/// up to a whole step.
fn count_axis_top(panel: &Panel) -> (u32, u32) {
    let highest = panel
        .weeks
        .iter()
        .filter_map(|w| w.klik.map(|k| k.total()))
        .max()
        .unwrap_or(0)
        .saturating_add(1)
        .clamp(1, MAX_COUNT_AXIS);
    // The smallest "nice" step (1, 2, 5 times a power of ten) giving at most five steps.
    let highest = u64::from(highest);
    let mut power = 1u64;
    let step = loop {
        if let Some(m) = [1u64, 2, 5]
            .into_iter()
            .find(|m| highest.div_ceil(m * power) <= 5)
        {
            break m * power;
        }
        power *= 10;
    };
    let top = u32::try_from(highest.div_ceil(step) * step).unwrap_or(MAX_COUNT_AXIS);
    let step = u32::try_from(step).unwrap_or(1).max(1);
    (top, step)
}

/// Draws the whole digest chart.
pub(super) fn draw(chart: &DigestChart) -> Result<Picture, ChartError> {
    let height = digest_height(chart.panels.len());
    render(WIDTH, height, |root| {
        draw_header(root, chart)?;
        if chart.panels.is_empty() {
            let y = (HEADER_H + EMPTY_BODY_H / 2 + 6) as i32;
            text_at(
                root,
                "—",
                ((WIDTH / 2) as i32, y),
                LEGEND_SIZE,
                MUTED,
                HPos::Center,
            )?;
        }
        for (i, panel) in chart.panels.iter().enumerate() {
            draw_panel(root, chart, i, panel)?;
        }
        Ok(())
    })
}

/// Title and legend row.
fn draw_header(root: &Canvas, chart: &DigestChart) -> Result<(), ChartError> {
    let left = LEFT_MARGIN as i32;
    let max_w = (WIDTH - 2 * LEFT_MARGIN) as i32;
    let title = fit_text(root, &chart.title, TITLE_SIZE, max_w)?;
    text_at(root, &title, (left, 34), TITLE_SIZE, INK, HPos::Left)?;

    let baseline = 72;
    let legend = chart.legend;
    let mut x = left;
    for (colour, label) in [
        (GOED, &legend.goed),
        (TWIJFEL, &legend.twijfel),
        (GEEN, &legend.geen),
    ] {
        root.draw(&Rectangle::new(
            [(x, baseline - 15), (x + 15, baseline)],
            rgb(colour).filled(),
        ))
        .map_err(draw_err)?;
        text_at(
            root,
            label,
            (x + 22, baseline),
            LEGEND_SIZE,
            INK,
            HPos::Left,
        )?;
        x += 22 + text_width(root, label, LEGEND_SIZE)? + 24;
    }
    let mid = baseline - 7;
    let line = rgb(RESPONSE).stroke_width(3);
    root.draw(&PathElement::new(vec![(x, mid), (x + 28, mid)], line))
        .map_err(draw_err)?;
    root.draw(&Circle::new((x + 14, mid), 4, rgb(RESPONSE).filled()))
        .map_err(draw_err)?;
    text_at(
        root,
        &legend.response,
        (x + 36, baseline),
        LEGEND_SIZE,
        INK,
        HPos::Left,
    )?;
    Ok(())
}

/// One team panel: title, axes, bars, suppressed marks and the response line.
fn draw_panel(
    root: &Canvas,
    chart: &DigestChart,
    index: usize,
    panel: &Panel,
) -> Result<(), ChartError> {
    let top = panel_top(index);
    let area = root.clone().shrink((0, top), (WIDTH, PANEL_H));
    let n = panel.weeks.len();
    let x_max = n.max(1) as f64;
    let (y_top, y_step) = count_axis_top(panel);

    let title = fit_text(
        root,
        &panel.title,
        PANEL_TITLE_SIZE,
        (WIDTH - 2 * LEFT_MARGIN) as i32,
    )?;
    text_at(
        root,
        &title,
        (LEFT_MARGIN as i32, (top + 28) as i32),
        PANEL_TITLE_SIZE,
        INK,
        HPos::Left,
    )?;

    let mut ctx = ChartBuilder::on(&area)
        .margin_top(PLOT_TOP)
        .margin_bottom(BOTTOM_MARGIN)
        .margin_left(LEFT_MARGIN)
        .margin_right(RIGHT_MARGIN)
        .x_label_area_size(X_AXIS_H)
        .y_label_area_size(LEFT_AXIS)
        .right_y_label_area_size(RIGHT_AXIS)
        .build_cartesian_2d(0f64..x_max, 0u32..y_top)
        .map_err(draw_err)?
        .set_secondary_coord(0f64..x_max, 0f64..1f64);

    // The bars are placed with the layout functions above; make sure plotters agrees.
    let (px, py) = ctx.plotting_area().get_pixel_range();
    let (want_x, want_y) = (plot_x(WIDTH), panel_plot_y(index));
    if px != (want_x.start as i32..want_x.end as i32)
        || py != (want_y.start as i32..want_y.end as i32)
    {
        return Err(ChartError::Draw(format!(
            "plot area {px:?}×{py:?} differs from layout {want_x:?}×{want_y:?}"
        )));
    }

    let label_style = super::font(LABEL_SIZE, INK, HPos::Left);
    let int_fmt = |v: &u32| v.to_string();
    ctx.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels((y_top / y_step) as usize + 1)
        .y_label_formatter(&int_fmt)
        .y_label_style(label_style.clone())
        .y_label_offset(4)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .draw()
        .map_err(draw_err)?;
    let pct_fmt = |v: &f64| format!("{:.0} %", v * 100.0);
    ctx.configure_secondary_axes()
        .y_labels(6)
        .y_label_formatter(&pct_fmt)
        .label_style(label_style)
        .y_label_offset(4)
        .axis_style(MUTED)
        .draw()
        .map_err(draw_err)?;

    let y_of = |count: u32| ctx.backend_coord(&(0.0, count.min(y_top))).1;
    let bottom = (want_y.end - 1) as i32;
    for (i, week) in panel.weeks.iter().enumerate() {
        let col = week_column_x(WIDTH, n, i);
        let centre = ((col.start + col.end) / 2) as i32;
        match week.klik {
            Some(k) => draw_bars(root, bar_column_x(WIDTH, n, i), k, &y_of)?,
            None => text_at(
                root,
                &chart.legend.suppressed,
                (centre, bottom - 6),
                LABEL_SIZE,
                MUTED,
                HPos::Center,
            )?,
        }
    }

    draw_week_labels(root, panel, &chart.legend.week, (want_y.end + 22) as i32)?;

    // Response rate: a line with dots, broken where a week has no prompts.
    let secondary = ctx.borrow_secondary();
    let line = rgb(RESPONSE).stroke_width(3);
    let mut run: Vec<(i32, i32)> = Vec::new();
    let mut runs: Vec<Vec<(i32, i32)>> = Vec::new();
    for (i, week) in panel.weeks.iter().enumerate() {
        let rate = week.response_rate.filter(|r| r.is_finite());
        match rate {
            Some(r) => {
                let col = week_column_x(WIDTH, n, i);
                let x = ((col.start + col.end) / 2) as i32;
                let y = secondary.backend_coord(&(0.0, r.clamp(0.0, 1.0))).1;
                run.push((x, y));
            }
            None => runs.push(std::mem::take(&mut run)),
        }
    }
    runs.push(run);
    for run in runs.iter().filter(|r| !r.is_empty()) {
        if run.len() > 1 {
            root.draw(&PathElement::new(run.clone(), line))
                .map_err(draw_err)?;
        }
        for &p in run {
            root.draw(&Circle::new(p, 4, rgb(RESPONSE).filled()))
                .map_err(draw_err)?;
        }
    }
    Ok(())
}

/// One stacked bar, bottom to top goed, twijfel, geen klik.
fn draw_bars(
    root: &Canvas,
    x: Range<u32>,
    k: KlikBars,
    y_of: &dyn Fn(u32) -> i32,
) -> Result<(), ChartError> {
    let (x0, x1) = (x.start as i32, x.end as i32 - 1);
    let mut base = 0u32;
    for (count, colour) in [(k.goed, GOED), (k.twijfel, TWIJFEL), (k.geen, GEEN)] {
        if count == 0 {
            continue;
        }
        let upper = base.saturating_add(count);
        let rect = Rectangle::new([(x0, y_of(upper)), (x1, y_of(base))], rgb(colour).filled());
        root.draw(&rect).map_err(draw_err)?;
        base = upper;
    }
    Ok(())
}

/// Week labels centred under their columns (thinned out if they would overlap), and the
/// word "week" to the left of them.
fn draw_week_labels(
    root: &Canvas,
    panel: &Panel,
    word: &str,
    baseline: i32,
) -> Result<(), ChartError> {
    let n = panel.weeks.len();
    let plot = plot_x(WIDTH);
    text_at(
        root,
        word,
        (plot.start as i32 - 10, baseline),
        LABEL_SIZE,
        MUTED,
        HPos::Right,
    )?;
    if n == 0 {
        return Ok(());
    }
    let widest = panel
        .weeks
        .iter()
        .map(|w| text_width(root, &w.label, LABEL_SIZE))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .max()
        .unwrap_or(0);
    let col_w = ((plot.end - plot.start) as i32 / n as i32).max(1);
    let step = ((widest + 8) / col_w + 1).max(1) as usize;
    for (i, week) in panel.weeks.iter().enumerate().step_by(step) {
        let col = week_column_x(WIDTH, n, i);
        let centre = ((col.start + col.end) / 2) as i32;
        text_at(
            root,
            &week.label,
            (centre, baseline),
            LABEL_SIZE,
            INK,
            HPos::Center,
        )?;
    }
    Ok(())
}
