//! Charts as SVG, drawn with plotters' SVG backend (no system fonts needed).

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use crate::report::{Band, Chart, ChartKind, Series};

const W: u32 = 960;
const H: u32 = 560;
/// Height of the legend strip under a line chart.
const LEGEND_H: u32 = 30;

/// Line colours: blue, orange, green, red, purple, brown.
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Phase shading, light and distinct.
const BANDS: [RGBColor; 5] = [
    RGBColor(230, 230, 230),
    RGBColor(255, 244, 214),
    RGBColor(214, 234, 248),
    RGBColor(220, 245, 220),
    RGBColor(245, 220, 235),
];

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing the chart: {e}")
}

pub fn render(chart: &Chart) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        match &chart.kind {
            ChartKind::Lines { series, bands } => draw_lines(&root, chart, series, bands)?,
            ChartKind::Bars { categories, series } => {
                draw_bars(&root, chart, categories, series)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Lines against a numeric x axis, with shaded, labelled x ranges.
fn draw_lines(root: &Area<'_>, chart: &Chart, series: &[Series], bands: &[Band]) -> Result<()> {
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    for b in bands {
        x0 = x0.min(b.from);
        x1 = x1.max(b.to);
    }
    if x0 > x1 {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 - x0 < 1e-9 {
        x1 = x0 + 1.0;
    }
    let y1 = if y1 <= 0.0 { 1.0 } else { y1 * 1.1 };
    // The legend goes in a strip under the chart, where it hides
    // neither the lines nor the phase labels.
    let (plot_area, legend_area) = root.split_vertically(H - LEGEND_H);
    let mut ch = ChartBuilder::on(&plot_area)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, 0.0..y1)
        .map_err(err)?;
    ch.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    for (i, b) in bands.iter().enumerate() {
        let c = BANDS[i % BANDS.len()];
        ch.draw_series(std::iter::once(Rectangle::new(
            [(b.from, 0.0), (b.to, y1)],
            c.mix(0.6).filled(),
        )))
        .map_err(err)?;
        ch.draw_series(std::iter::once(Text::new(
            b.label.clone(),
            (b.from, y1 * 0.985),
            ("sans-serif", 13).into_font().color(&BLACK.mix(0.7)),
        )))
        .map_err(err)?;
    }
    for (i, s) in series.iter().enumerate() {
        let c = COLORS[i % COLORS.len()];
        ch.draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
            .map_err(err)?;
    }
    let mut x = 85i32;
    for (i, s) in series.iter().enumerate() {
        let c = COLORS[i % COLORS.len()];
        let y = (LEGEND_H / 2) as i32;
        legend_area
            .draw(&PathElement::new(
                vec![(x, y), (x + 24, y)],
                c.stroke_width(3),
            ))
            .map_err(err)?;
        legend_area
            .draw(&Text::new(
                s.name.clone(),
                (x + 30, y - 7),
                ("sans-serif", 14).into_font(),
            ))
            .map_err(err)?;
        x += 30 + 8 * s.name.chars().count() as i32 + 30;
    }
    Ok(())
}

/// Grouped bars: one group per category, one bar per series.
fn draw_bars(
    root: &Area<'_>,
    chart: &Chart,
    categories: &[String],
    series: &[(String, Vec<f64>)],
) -> Result<()> {
    let n = categories.len().max(1);
    let k = series.len().max(1);
    let ymax = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max);
    let ymax = if ymax <= 0.0 { 1.0 } else { ymax * 1.15 };
    let cats = categories.to_vec();
    let mut ch = ChartBuilder::on(root)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(60)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0.0..ymax)
        .map_err(err)?;
    ch.configure_mesh()
        .x_labels(n)
        .x_label_formatter(&|x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                cats.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .disable_x_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .draw()
        .map_err(err)?;
    let group = 0.8;
    let w = group / k as f64;
    for (j, (name, vals)) in series.iter().enumerate() {
        let c = COLORS[j % COLORS.len()];
        ch.draw_series(vals.iter().enumerate().map(|(i, &v)| {
            let left = i as f64 - group / 2.0 + j as f64 * w;
            Rectangle::new([(left, 0.0), (left + w * 0.9, v)], c.filled())
        }))
        .map_err(err)?
        .label(name.as_str())
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
    }
    ch.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.5))
        .draw()
        .map_err(err)?;
    Ok(())
}
