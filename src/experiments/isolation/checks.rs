//! isolation's checks: a pure function of the rows (addresses, the values
//! each process read, frame numbers), the ASLR state of part 2's runs and
//! the region's size. Part 1 and part 2's figures are the processes' own:
//! those checks are ✓ or ✗. Frame comparisons are made only where the
//! frames were visible (root); otherwise the run says what it skipped.

use anyhow::Result;

use super::{Measurements, Params, Row};
use crate::experiments::{Judgement, Recorded};
use crate::i18n::{Lang, tr_in};
use crate::report::Check;

/// Runs of physically consecutive frames over a virtually contiguous range:
/// (index of the first page, pages). A page that is not present (`None`)
/// ends a run and is in none.
pub fn runs(pfns: &[Option<u64>]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut prev: Option<u64> = None;
    for (i, p) in pfns.iter().enumerate() {
        match (p, out.last_mut()) {
            (Some(p), Some((start, len)))
                if *start + *len == i && prev.and_then(|q| q.checked_add(1)) == Some(*p) =>
            {
                *len += 1
            }
            (Some(_), _) => out.push((i, 1)),
            (None, _) => {}
        }
        prev = *p;
    }
    out
}

fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).ok()
}

pub fn judge(rec: &Recorded<'_>) -> Result<Judgement> {
    let rows: Vec<Row> = rec.rows_as()?;
    let m: Measurements = rec.measurements_as()?;
    let p: Params = rec.params_as()?;
    let mut j = Judgement::default();
    part1(&mut j, &rows);
    part2(&mut j, &rows, &m);
    let page = rec.meta.page_size.max(1);
    if m.part3_frames_visible == Some(true) {
        part3(&mut j, &rows, p.region_bytes.div_ceil(page), page);
    }
    Ok(j)
}

fn find<'a>(rows: &'a [Row], part: u8, process: &str, kind: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.part == part && r.process == process && r.kind == kind)
}

fn part1(j: &mut Judgement, rows: &[Row]) {
    let (Some(pa), Some(ch)) = (
        find(rows, 1, "parent", "anon"),
        find(rows, 1, "child", "anon"),
    ) else {
        return;
    };
    let (pv, cv) = (pa.value.unwrap_or(0), ch.value.unwrap_or(0));
    j.summary("part1_address", &pa.virtual_address);
    j.summary("part1_parent_value", pv);
    j.summary("part1_child_value", cv);
    j.check(Check::new(
        "same_address_different_data",
        "each process has its own virtual address space: the same address holds different data in parent and child",
        tr_in(
            Lang::En,
            "why.isolation.own_pids",
            &[
                ("addr", &pa.virtual_address),
                ("ppid", &pa.pid.to_string()),
                ("cpid", &ch.pid.to_string()),
            ],
        ),
        tr_in(
            Lang::En,
            "why.isolation.read_values",
            &[
                ("pv", &pv.to_string()),
                ("pa", &pa.virtual_address),
                ("cv", &cv.to_string()),
                ("ca", &ch.virtual_address),
            ],
        ),
        hex(&ch.virtual_address) == hex(&pa.virtual_address)
            && pv == u64::from(pa.pid)
            && cv == u64::from(ch.pid)
            && pa.pid != ch.pid,
    ));
    if let (Some(p), Some(c)) = (pa.pfn, ch.pfn) {
        j.summary("part1_parent_pfn", p);
        j.summary("part1_child_pfn", c);
        j.check(Check::new(
            "same_address_different_frames",
            "the page tables of the two processes point the same virtual page at different physical pages",
            tr_in(Lang::En, "why.isolation.frames_differ", &[]),
            tr_in(
                Lang::En,
                "why.isolation.parent_child_pfn",
                &[("p", &format!("{p:#x}")), ("c", &format!("{c:#x}"))],
            ),
            p != c,
        ));
    }
}

/// Part 2's six rows: (data, anon, code) of run a, then of run b.
fn part2_rows(rows: &[Row]) -> Option<[[&Row; 3]; 2]> {
    let one = |process: &str| -> Option<[&Row; 3]> {
        Some([
            find(rows, 2, process, "data")?,
            find(rows, 2, process, "anon")?,
            find(rows, 2, process, "code")?,
        ])
    };
    Some([one("run_a")?, one("run_b")?])
}

fn part2(j: &mut Judgement, rows: &[Row], m: &Measurements) {
    let Some([[da, aa, ca], [db, ab, cb]]) = part2_rows(rows) else {
        return;
    };
    j.summary("part2_data_address_a", &da.virtual_address);
    j.summary("part2_data_address_b", &db.virtual_address);
    j.summary("part2_code_address", &ca.virtual_address);
    let same = |x: &Row, y: &Row| hex(&x.virtual_address) == hex(&y.virtual_address);
    let own = |r: &Row| r.value == Some(u64::from(r.pid));
    let claim = "the same program runs twice at the same addresses without interfering: each run has its own address space";
    let expected = tr_in(Lang::En, "why.isolation.same_addresses", &[]);
    let measured = tr_in(
        Lang::En,
        "why.isolation.addresses",
        &[
            ("da", &da.virtual_address),
            ("db", &db.virtual_address),
            ("ca", &ca.virtual_address),
            ("cb", &cb.virtual_address),
            ("aa", &aa.virtual_address),
            ("ab", &ab.virtual_address),
            ("va", &da.value.unwrap_or(0).to_string()),
            ("vb", &db.value.unwrap_or(0).to_string()),
        ],
    );
    if m.aslr_off_a == Some(true) && m.aslr_off_b == Some(true) {
        j.check(Check::new(
            "two_runs_same_addresses",
            claim,
            expected.clone(),
            measured,
            same(da, db) && same(aa, ab) && same(ca, cb) && own(da) && own(db) && da.pid != db.pid,
        ));
    } else {
        j.check(Check::inconclusive(
            "two_runs_same_addresses",
            claim,
            expected,
            tr_in(
                Lang::En,
                "why.isolation.aslr_on",
                &[("measured", &measured)],
            ),
        ));
    }
    let (Some(fda), Some(fdb), Some(faa), Some(fab), Some(fca), Some(fcb)) =
        (da.pfn, db.pfn, aa.pfn, ab.pfn, ca.pfn, cb.pfn)
    else {
        return;
    };
    j.summary("part2_data_pfn_a", fda);
    j.summary("part2_data_pfn_b", fdb);
    j.summary("part2_code_pfn_a", fca);
    j.summary("part2_code_pfn_b", fcb);
    j.check(Check::new(
        "two_runs_data_in_different_frames",
        "the same virtual address of the two runs maps to different physical memory for their data",
        tr_in(Lang::En, "why.isolation.data_frames_differ", &[]),
        tr_in(
            Lang::En,
            "why.isolation.data_pfns",
            &[
                ("da", &format!("{fda:#x}")),
                ("db", &format!("{fdb:#x}")),
                ("aa", &format!("{faa:#x}")),
                ("ab", &format!("{fab:#x}")),
            ],
        ),
        fda != fdb && faa != fab,
    ));
    j.check(Check::new(
        "two_runs_share_code_frames",
        "code read from the same file is not copied: both runs' page tables point at the same frame",
        tr_in(Lang::En, "why.isolation.code_frames_equal", &[]),
        tr_in(
            Lang::En,
            "why.isolation.code_pfns",
            &[("a", &format!("{fca:#x}")), ("b", &format!("{fcb:#x}"))],
        ),
        fca == fcb,
    ));
}

fn part3(j: &mut Judgement, rows: &[Row], npages: u64, page: u64) {
    let runs: Vec<&Row> = rows.iter().filter(|r| r.part == 3).collect();
    let covered: u64 = runs.iter().map(|r| r.pages).sum();
    let longest = runs.iter().map(|r| r.pages).max().unwrap_or(0);
    // The runs tile the region: each starts where the one before ended.
    let tiled = covered == npages
        && runs.windows(2).all(|w| {
            hex(&w[0].virtual_address)
                .zip(hex(&w[1].virtual_address))
                .is_some_and(|(a, b)| a + w[0].pages * page == b)
        });
    let lo = runs.iter().filter_map(|r| r.pfn).min().unwrap_or(0);
    let hi = runs
        .iter()
        .filter_map(|r| r.pfn.map(|p| p + r.pages.saturating_sub(1)))
        .max()
        .unwrap_or(0);
    j.summary("part3_pages", npages);
    j.summary("part3_pfn_runs", runs.len());
    j.summary("part3_longest_run_pages", longest);
    j.summary("part3_pfn_span_pages", (hi + 1).saturating_sub(lo));
    let name = "contiguous_region_scattered_frames";
    let claim = "the page table can show physically scattered memory to the process as one contiguous region";
    let expected = format!(
        "{npages} virtually contiguous pages, every one present, in ≥ 2 physically contiguous runs"
    );
    let measured = format!(
        "{} runs covering {covered} of {npages} pages, longest {longest} pages, frames spread over {} pages",
        runs.len(),
        (hi + 1).saturating_sub(lo)
    );
    let c = if !tiled {
        Check::new(
            name,
            claim,
            expected,
            format!("{measured}: the runs do not tile the region"),
            false,
        )
    } else if runs.len() >= 2 {
        Check::new(name, claim, expected, measured, true)
    } else {
        Check::inconclusive(
            name,
            claim,
            expected,
            format!(
                "{measured}: {}",
                tr_in(Lang::En, "why.isolation.consecutive", &[])
            ),
        )
    };
    j.check(c.value(runs.len() as f64, "count").bounds(Some(2.0), None));
}

#[cfg(test)]
mod tests;
