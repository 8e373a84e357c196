//! The terugblik chart: one line per student, the wpb's mean klik per week.

use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::{
    Canvas, ChartError, GRID, INK, LINE_COLOURS, MUTED, Picture, TerugblikChart, draw_err,
    fit_text, render, rgb, text_at, text_width,
};

/// Width of the terugblik picture in pixels.
pub(crate) const WIDTH: u32 = 800;
/// Height with a single legend row; every further row adds [`LEGEND_ROW_H`].
const BASE_HEIGHT: u32 = 360;
const LEGEND_ROW_H: u32 = 26;
/// Baseline of the first legend row.
const LEGEND_BASELINE: u32 = 66;

const MARGIN: u32 = 12;
const RIGHT_MARGIN: u32 = 28;
const X_AXIS_H: u32 = 34;
const BOTTOM_MARGIN: u32 = 6;

const TITLE_SIZE: u32 = 24;
const LABEL_SIZE: u32 = 18;

/// Colour of student line `i` (cycled).
pub(crate) fn line_colour(i: usize) -> (u8, u8, u8) {
    LINE_COLOURS[i % LINE_COLOURS.len()]
}

/// Legend entries laid out in rows: (row, x offset from the left margin) per line.
fn legend_layout(root: &Canvas, chart: &TerugblikChart) -> Result<Vec<(u32, i32)>, ChartError> {
    let max_x = (WIDTH - MARGIN - RIGHT_MARGIN) as i32;
    let mut out = Vec::with_capacity(chart.lines.len());
    let (mut row, mut x) = (0u32, 0i32);
    for line in chart.lines {
        let w = 34 + text_width(root, &line.student, LABEL_SIZE)?;
        if x > 0 && x + w > max_x {
            row += 1;
            x = 0;
        }
        out.push((row, x));
        x += w + 22;
    }
    Ok(out)
}

/// Draws the whole terugblik chart.
pub(super) fn draw(chart: &TerugblikChart) -> Result<Picture, ChartError> {
    // The legend's row count decides the height, so measure it on a 1×1 scratch canvas.
    let rows = {
        let mut scratch = [255u8; 3];
        let area = BitMapBackend::with_buffer(&mut scratch, (1, 1)).into_drawing_area();
        legend_layout(&area, chart)?
            .last()
            .map_or(1, |&(row, _)| row + 1)
    };
    let height = BASE_HEIGHT + rows.saturating_sub(1) * LEGEND_ROW_H;
    render(WIDTH, height, |root| paint(root, chart, rows))
}

fn paint(root: &Canvas, chart: &TerugblikChart, rows: u32) -> Result<(), ChartError> {
    let left = MARGIN as i32;
    let title = fit_text(root, &chart.title, TITLE_SIZE, (WIDTH - 2 * MARGIN) as i32)?;
    text_at(root, &title, (left, 32), TITLE_SIZE, INK, HPos::Left)?;

    // Legend: a line sample with a dot and the student's name.
    for (i, (line, (row, x))) in chart
        .lines
        .iter()
        .zip(legend_layout(root, chart)?)
        .enumerate()
    {
        let colour = rgb(line_colour(i));
        let baseline = (LEGEND_BASELINE + row * LEGEND_ROW_H) as i32;
        let (x, mid) = (left + x, baseline - 6);
        root.draw(&PathElement::new(
            vec![(x, mid), (x + 26, mid)],
            colour.stroke_width(3),
        ))
        .map_err(draw_err)?;
        root.draw(&Circle::new((x + 13, mid), 4, colour.filled()))
            .map_err(draw_err)?;
        text_at(
            root,
            &line.student,
            (x + 34, baseline),
            LABEL_SIZE,
            INK,
            HPos::Left,
        )?;
    }

    // Plot area below the legend.
    let plot_top = LEGEND_BASELINE + (rows - 1) * LEGEND_ROW_H + 22;
    let level_w = chart
        .levels
        .iter()
        .map(|l| text_width(root, l, LABEL_SIZE))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .max()
        .unwrap_or(0);
    let left_axis = (level_w as u32 + 18).clamp(60, WIDTH / 3);
    let n = chart.weeks.len();
    let x_range = -0.5..(n.max(1) as f64 - 0.5);

    let mut ctx = ChartBuilder::on(root)
        .margin_top(plot_top)
        .margin_bottom(BOTTOM_MARGIN)
        .margin_left(MARGIN)
        .margin_right(RIGHT_MARGIN)
        .x_label_area_size(X_AXIS_H)
        .y_label_area_size(left_axis)
        .build_cartesian_2d(x_range, -1.2f64..1.2f64)
        .map_err(draw_err)?;
    let (px, py) = ctx.plotting_area().get_pixel_range();

    // Grid: one light vertical line per week, one horizontal line per level.
    for i in 0..n {
        let (x, _) = ctx.backend_coord(&(i as f64, 0.0));
        root.draw(&PathElement::new(
            vec![(x, py.start), (x, py.end - 1)],
            GRID,
        ))
        .map_err(draw_err)?;
    }
    for (level, label) in [-1.0, 0.0, 1.0].into_iter().zip(chart.levels) {
        let (_, y) = ctx.backend_coord(&(0.0, level));
        root.draw(&PathElement::new(
            vec![(px.start, y), (px.end - 1, y)],
            GRID,
        ))
        .map_err(draw_err)?;
        text_at(
            root,
            label,
            (px.start - 10, y + 6),
            LABEL_SIZE,
            INK,
            HPos::Right,
        )?;
    }
    ctx.configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .axis_style(MUTED)
        .draw()
        .map_err(draw_err)?;

    // Week labels, thinned out if they would overlap.
    if n > 0 {
        let widest = chart
            .weeks
            .iter()
            .map(|w| text_width(root, w, LABEL_SIZE))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .max()
            .unwrap_or(0);
        let col_w = ((px.end - px.start) / n as i32).max(1);
        let step = ((widest + 8) / col_w + 1).max(1) as usize;
        let baseline = py.end + 22;
        for (i, week) in chart.weeks.iter().enumerate().step_by(step) {
            let (x, _) = ctx.backend_coord(&(i as f64, 0.0));
            text_at(root, week, (x, baseline), LABEL_SIZE, INK, HPos::Center)?;
        }
    }
    // One line per student, broken where a week has no signal; dots on every point.
    for (i, line) in chart.lines.iter().enumerate() {
        let colour = rgb(line_colour(i));
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (w, p) in line.points.iter().take(n).enumerate() {
            match p.filter(|v| v.is_finite()) {
                Some(v) => {
                    if let Some(run) = runs.last_mut() {
                        run.push((w as f64, v.clamp(-1.0, 1.0)));
                    }
                }
                None => runs.push(Vec::new()),
            }
        }
        for run in runs.iter().filter(|r| !r.is_empty()) {
            if run.len() > 1 {
                ctx.draw_series(LineSeries::new(run.iter().copied(), colour.stroke_width(3)))
                    .map_err(draw_err)?;
            }
            ctx.draw_series(run.iter().map(|&p| Circle::new(p, 5, colour.filled())))
                .map_err(draw_err)?;
        }
    }
    Ok(())
}
