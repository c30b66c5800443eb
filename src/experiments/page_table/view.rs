//! The chart of a page-table run, drawn from what was recorded (the rows),
//! so `memlab report` draws it again from a JSON file.

use anyhow::Result;

use super::checks::Row;
use crate::experiments::Recorded;
use crate::i18n::tr;
use crate::report::{Chart, ChartKind};

/// Bars of page-table bytes per touched page, one per case. The dense bar
/// (8 bytes) beside the sparse ones (4 KiB, 8 KiB) is a sliver on a linear
/// axis: the SVG writes every bar's value above it, so it still reads `8`.
/// None when no case ran.
pub fn chart(rec: &Recorded<'_>) -> Result<Option<Chart>> {
    let rows: Vec<Row> = rec.rows_as()?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(Chart {
        title: tr("page_table.title.chart", &[]),
        x_label: tr("page_table.title.chart_x", &[]),
        y_label: tr("page_table.title.chart_y", &[]),
        kind: ChartKind::Bars {
            categories: rows.iter().map(|x| x.case.clone()).collect(),
            series: vec![(
                tr("page_table.title.chart_series", &[]),
                rows.iter().map(|x| x.pte_bytes_per_touched_page).collect(),
            )],
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::fixture::Fixture;

    fn row(case: &str, bytes_per_page: f64) -> Row {
        Row {
            case: case.into(),
            pte_bytes_per_touched_page: bytes_per_page,
            ..Row::default()
        }
    }

    #[test]
    fn one_bar_per_case_with_its_bytes_per_page() {
        let f = Fixture::new(super::super::INFO.name).rows(&[
            row("dense", 8.0),
            row("sparse-2m", 4104.0),
            row("sparse-1g", 8192.0),
        ]);
        let c = chart(&Recorded::of(&f)).unwrap().expect("a chart");
        let ChartKind::Bars { categories, series } = &c.kind else {
            panic!("not bars: {:?}", c.kind);
        };
        assert_eq!(categories, &["dense", "sparse-2m", "sparse-1g"]);
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].1, vec![8.0, 4104.0, 8192.0]);
        // The dense bar is a sliver beside 8192: its value is written on it.
        let svg = crate::output::svg::render(&c).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts: Vec<&str> = doc
            .descendants()
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        assert!(texts.contains(&"8"), "no value label 8: {texts:?}");
    }

    #[test]
    fn no_rows_no_chart() {
        let f = Fixture::new(super::super::INFO.name);
        assert!(chart(&Recorded::of(&f)).unwrap().is_none());
    }
}
