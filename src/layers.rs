//! The layering rule, checked by a test: every `crate::…` path in `src/`
//! names a module of the same layer or a lower one, and no two top-level
//! modules import each other (directly or around a circle).
//!
//! ```text
//! lib.rs (the root)
//! cli                                  0
//! app, lab, labreport                  1
//! experiments                          2
//! sampler, report, output, verdict,
//! guard, cgroup_sandbox                3
//! probe                                4
//! sys                                  5
//! units, error, i18n                   6
//! ```

/// Each top-level module and its layer (lower numbers sit higher).
pub const LAYERS: &[(&str, u8)] = &[
    ("cli", 0),
    ("app", 1),
    ("lab", 1),
    ("labreport", 1),
    ("experiments", 2),
    ("sampler", 3),
    ("report", 3),
    ("output", 3),
    ("verdict", 3),
    ("guard", 3),
    ("cgroup_sandbox", 3),
    ("probe", 4),
    ("sys", 5),
    ("units", 6),
    ("error", 6),
    ("i18n", 6),
];

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::LAYERS;

    fn layer(m: &str) -> Option<u8> {
        LAYERS.iter().find(|(n, _)| *n == m).map(|(_, l)| *l)
    }

    /// `crate::NAME` occurrences in a source text (comments included: a
    /// doc link upward is as much a dependency as a `use`).
    fn crate_paths(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = text;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + 7..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
        out
    }

    fn edges() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut stack = vec![src.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let rel = p.strip_prefix(&src).unwrap();
                let first = rel.components().next().unwrap().as_os_str();
                let top = first.to_string_lossy().trim_end_matches(".rs").to_string();
                if top == "lib" || top == "main" || top == "layers" {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                for d in crate_paths(&text) {
                    if d != top {
                        deps.entry(top.clone()).or_default().insert(d);
                    }
                }
            }
        }
        deps
    }

    #[test]
    fn every_top_level_module_has_a_layer() {
        for (m, _) in edges() {
            assert!(layer(&m).is_some(), "src/{m} has no layer in src/layers.rs");
        }
    }

    #[test]
    fn no_import_runs_upward() {
        let mut bad = Vec::new();
        for (from, tos) in edges() {
            let Some(lf) = layer(&from) else { continue };
            for to in tos {
                match layer(&to) {
                    Some(lt) if lt >= lf => {}
                    _ => bad.push(format!("{from} -> {to}")),
                }
            }
        }
        assert!(bad.is_empty(), "imports that run upward: {bad:?}");
    }

    #[test]
    fn no_import_circle() {
        let deps = edges();
        // Depth-first search for a back edge.
        fn visit(
            n: &str,
            deps: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(i) = path.iter().position(|p| p == n) {
                return Some(path[i..].to_vec());
            }
            if done.contains(n) {
                return None;
            }
            path.push(n.to_string());
            for d in deps.get(n).into_iter().flatten() {
                if let Some(c) = visit(d, deps, path, done) {
                    return Some(c);
                }
            }
            path.pop();
            done.insert(n.to_string());
            None
        }
        let mut done = BTreeSet::new();
        for n in deps.keys() {
            if let Some(c) = visit(n, &deps, &mut Vec::new(), &mut done) {
                panic!("import circle: {}", c.join(" -> "));
            }
        }
    }

    #[test]
    fn the_scanner_finds_paths() {
        let t = "use crate::probe::host::Meta;\n// see crate::sys::fork\nuse crate::{a};";
        let got = crate_paths(t);
        assert!(got.contains("probe") && got.contains("sys"), "{got:?}");
    }
}
