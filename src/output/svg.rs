//! Charts as SVG, drawn with plotters' SVG backend (no system fonts needed).
//!
//! Made to be read in report.html at any width: large tick labels, the
//! legend in a strip of its own (under the chart) where it covers nothing,
//! a value label on every bar (so a bar too small to see, like page-table's
//! dense one on a linear axis, still says its value) and on the peak of
//! every line.

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::{Band, Chart, ChartKind, Series};

const W: u32 = 960;
const H: u32 = 560;

/// Text sizes (plotters writes 0.8 of them as the SVG font-size: 20 → 16
/// px of the 960 px wide drawing).
const TITLE: u32 = 28;
const TICKS: u32 = 20;
const AXIS: u32 = 21;
const LEGEND: u32 = 19;
const VALUE: u32 = 17;

/// One legend row's height, and the left margin of the legend.
const LEGEND_ROW: u32 = 26;
const LEGEND_X: i32 = 85;

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

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing the chart: {e}")
}

pub fn render(chart: &Chart) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let names: Vec<String> = match &chart.kind {
            ChartKind::Lines { series, .. } => series.iter().map(|s| s.name.clone()).collect(),
            ChartKind::Bars { series, .. } => series.iter().map(|s| s.0.clone()).collect(),
        };
        let (plot, legend_area) = root.split_vertically(H - legend_height(&names));
        match &chart.kind {
            ChartKind::Lines { series, bands } => lines(&plot, chart, series, bands)?,
            ChartKind::Bars { categories, series } => bars(&plot, chart, categories, series)?,
        }
        let boxes = matches!(chart.kind, ChartKind::Bars { .. });
        legend(&legend_area, &names, boxes)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// A figure short enough for a label: `8`, `4,104`, `73.2`, `0.52`.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 || (v.fract() == 0.0 && a < 1e15) {
        super::table::commas(v.round() as i128)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        super::table::trim_zeros(&format!("{v:.1}"))
    } else {
        super::table::trim_zeros(&format!("{v:.2}"))
    }
}

/// Where each legend entry goes: (row, x), wrapping before the right edge.
fn legend_layout(names: &[String]) -> Vec<(u32, i32)> {
    let mut out = Vec::new();
    let (mut row, mut x) = (0u32, LEGEND_X);
    for n in names {
        let w = 30
            + (LEGEND as i32 / 2) * unicode_width::UnicodeWidthStr::width(n.as_str()) as i32
            + 30;
        if x > LEGEND_X && x + w > W as i32 - 10 {
            row += 1;
            x = LEGEND_X;
        }
        out.push((row, x));
        x += w;
    }
    out
}

fn legend_height(names: &[String]) -> u32 {
    let rows = legend_layout(names).last().map(|l| l.0 + 1).unwrap_or(0);
    rows * LEGEND_ROW + 6
}

/// The legend strip: a line (or a box, for bars) and the series' name.
fn legend(area: &Area<'_>, names: &[String], boxes: bool) -> Result<()> {
    for (i, (name, (row, x))) in names.iter().zip(legend_layout(names)).enumerate() {
        let c = COLORS[i % COLORS.len()];
        let y = (row * LEGEND_ROW + LEGEND_ROW / 2) as i32;
        if boxes {
            area.draw(&Rectangle::new([(x, y - 7), (x + 22, y + 7)], c.filled()))
                .map_err(err)?;
        } else {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 24, y)],
                c.stroke_width(3),
            ))
            .map_err(err)?;
        }
        area.draw(&Text::new(
            name.clone(),
            (x + 30, y - (LEGEND as i32) / 2),
            ("sans-serif", LEGEND).into_font(),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// Tick labels: whole numbers with commas, else two decimals at most.
fn tick(v: &f64) -> String {
    short(*v)
}

fn lines(area: &Area<'_>, chart: &Chart, series: &[Series], bands: &[Band]) -> Result<()> {
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for &(x, y) in series.iter().flat_map(|s| s.points.iter()) {
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
    let y1 = if y1 <= 0.0 { 1.0 } else { y1 * 1.12 };
    let mut ch = ChartBuilder::on(area)
        .caption(&chart.title, ("sans-serif", TITLE))
        .margin(15)
        .x_label_area_size(55)
        .y_label_area_size(85)
        .build_cartesian_2d(x0..x1, 0.0..y1)
        .map_err(err)?;
    ch.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .label_style(("sans-serif", TICKS))
        .axis_desc_style(("sans-serif", AXIS))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
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
            ("sans-serif", VALUE).into_font().color(&BLACK.mix(0.7)),
        )))
        .map_err(err)?;
    }
    for (i, s) in series.iter().enumerate() {
        let c = COLORS[i % COLORS.len()];
        ch.draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
            .map_err(err)?;
        // The key point: the line's peak, with its value (the mode of a
        // distribution, the top of a rising line).
        let peak = s
            .points
            .iter()
            .copied()
            .fold(None, |best: Option<(f64, f64)>, p| match best {
                Some(b) if b.1 >= p.1 => Some(b),
                _ => Some(p),
            });
        if let Some((x, y)) = peak {
            ch.draw_series(std::iter::once(Circle::new((x, y), 4, c.filled())))
                .map_err(err)?;
            let label = Text::new(
                short(y),
                (x, y),
                ("sans-serif", VALUE).into_font().color(&c).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Bottom,
                    ),
                ),
            );
            ch.draw_series(std::iter::once(label)).map_err(err)?;
        }
    }
    Ok(())
}

fn bars(
    area: &Area<'_>,
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
    // Room above the tallest bar for its label.
    let ymax = if ymax <= 0.0 { 1.0 } else { ymax * 1.15 };
    let cats = categories.to_vec();
    let mut ch = ChartBuilder::on(area)
        .caption(&chart.title, ("sans-serif", TITLE))
        .margin(15)
        .x_label_area_size(60)
        .y_label_area_size(85)
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
        .y_label_formatter(&tick)
        .label_style(("sans-serif", TICKS))
        .axis_desc_style(("sans-serif", AXIS))
        .disable_x_mesh()
        .light_line_style(WHITE.mix(0.0))
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .draw()
        .map_err(err)?;
    let group = 0.8;
    let w = group / k as f64;
    for (j, (_, vals)) in series.iter().enumerate() {
        let c = COLORS[j % COLORS.len()];
        let left = |i: usize| i as f64 - group / 2.0 + j as f64 * w;
        ch.draw_series(
            vals.iter().enumerate().map(|(i, &v)| {
                Rectangle::new([(left(i), 0.0), (left(i) + w * 0.9, v)], c.filled())
            }),
        )
        .map_err(err)?;
        // Every bar says its value, also one too small to see.
        ch.draw_series(vals.iter().enumerate().map(|(i, &v)| {
            Text::new(
                short(v),
                (left(i) + w * 0.45, v),
                ("sans-serif", VALUE).into_font().color(&BLACK).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Bottom,
                    ),
                ),
            )
        }))
        .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_labels_have_no_meaningless_zeros() {
        assert_eq!(short(1.5), "1.5");
        assert_eq!(short(0.52), "0.52");
        assert_eq!(short(12.0), "12");
        assert_eq!(short(73.25), "73.2");
        assert_eq!(short(4104.0), "4,104");
    }

    fn bars_chart() -> Chart {
        Chart {
            title: "Page-table bytes per touched page".into(),
            x_label: "case".into(),
            y_label: "bytes".into(),
            kind: ChartKind::Bars {
                categories: vec!["dense".into(), "sparse-2m".into(), "sparse-1g".into()],
                series: vec![("bytes per touched page".into(), vec![8.0, 4104.0, 8192.0])],
            },
        }
    }

    #[test]
    fn every_bar_has_its_value_even_a_tiny_one() {
        let svg = render(&bars_chart()).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        for v in ["8", "4,104", "8,192"] {
            assert!(texts.contains(&v), "{v} missing: {texts:?}");
        }
    }

    #[test]
    fn the_legend_sits_below_the_plot() {
        let svg = render(&bars_chart()).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let legend_y = doc
            .descendants()
            .filter(|n| n.text().map(str::trim) == Some("bytes per touched page"))
            .filter_map(|n| n.attribute("y")?.parse::<f64>().ok())
            .next()
            .unwrap();
        assert!(
            legend_y > f64::from(H - legend_height(&["x".into()])) - 20.0,
            "{legend_y}"
        );
    }

    #[test]
    fn short_figures() {
        assert_eq!(short(8.0), "8");
        assert_eq!(short(4104.0), "4,104");
        assert_eq!(short(73.25), "73.2");
        assert_eq!(short(0.5), "0.5");
        assert_eq!(short(0.0), "0");
    }

    #[test]
    fn long_legends_wrap_into_rows() {
        let names: Vec<String> = (0..6)
            .map(|i| format!("a rather long series name {i}"))
            .collect();
        let rows = legend_layout(&names).last().unwrap().0;
        assert!(rows >= 1);
        assert!(legend_height(&names) > legend_height(&names[..1]));
    }
}
