//! Every public item of the library has an example in its own documentation: each `pub` function,
//! method, type, trait, constant and static of `src/`, and each method of a public trait, carries
//! a fenced code block in the `///` comment right above it (which `cargo test` runs as a doctest,
//! unless the fence says otherwise). Items inside private modules (`mod x { … }`) and in test
//! modules are not public API and are skipped; `#[doc(hidden)]` items likewise.
//!
//! The scan reads the source as text, the way `rustfmt` lays it out; `parses_the_layouts_it_meets`
//! checks the scanner itself on small inputs.

use std::fs;
use std::path::{Path, PathBuf};

/// A public item found in a source text: its line (1-based), what it is, its name, and whether
/// its documentation holds an example.
#[derive(Debug, PartialEq)]
struct Item {
    line: usize,
    kind: String,
    name: String,
    has_example: bool,
}

const KINDS: [&str; 7] = ["fn", "struct", "enum", "trait", "const", "type", "static"];

/// The item a line declares after `pub `: `(kind, name)`, skipping `const`/`unsafe`/`async`/
/// `extern "C"` qualifiers of a function.
fn declared(rest: &str) -> Option<(String, String)> {
    let mut words = rest.split_whitespace().peekable();
    let mut kind = words.next()?;
    while matches!(kind, "const" | "unsafe" | "async" | "extern" | "\"C\"")
        && words
            .peek()
            .is_some_and(|w| matches!(*w, "fn" | "unsafe" | "async" | "extern" | "\"C\""))
    {
        kind = words.next()?;
    }
    if !KINDS.contains(&kind) {
        return None;
    }
    let name: String = words
        .next()?
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then(|| (kind.to_string(), name))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The documentation and attributes right above line `i`: whether they hold an example, and
/// whether they hide the item.
fn doc_above(lines: &[&str], i: usize) -> (bool, bool) {
    let (mut example, mut hidden) = (false, false);
    for line in lines[..i].iter().rev() {
        let t = line.trim_start();
        if t.starts_with("///") {
            example |= t.trim_start_matches('/').trim_start().starts_with("```");
        } else if t.starts_with("#[") || t.starts_with("//") || t.starts_with(')') {
            hidden |= t.starts_with("#[doc(hidden)]");
        } else {
            break;
        }
    }
    (example, hidden)
}

/// The line where the block opened at line `i` (indented `ind`) closes: the next line that is
/// `}` at the same indentation (rustfmt's layout), or the end of the text.
fn block_end(lines: &[&str], i: usize, ind: usize) -> usize {
    (i + 1..lines.len())
        .find(|&j| indent(lines[j]) == ind && lines[j].trim_start().starts_with('}'))
        .unwrap_or(lines.len())
}

/// The public items of one source text.
fn public_items(text: &str) -> Vec<Item> {
    let lines: Vec<&str> = text.lines().collect();
    let mut items = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_start();
        let ind = indent(line);
        if t.starts_with("#[cfg(test)]") {
            // a test module or item: skip its block
            let j = (i + 1..lines.len())
                .find(|&j| !lines[j].trim_start().starts_with("#["))
                .unwrap_or(lines.len());
            i = if j < lines.len() && lines[j].trim_end().ends_with('{') {
                block_end(&lines, j, indent(lines[j])) + 1
            } else {
                j + 1
            };
            continue;
        }
        if t.starts_with("mod ") && t.trim_end().ends_with('{') {
            // a private inline module: not public API
            i = block_end(&lines, i, ind) + 1;
            continue;
        }
        if let Some((kind, name)) = t.strip_prefix("pub ").and_then(declared) {
            let (has_example, hidden) = doc_above(&lines, i);
            if !hidden {
                items.push(Item {
                    line: i + 1,
                    kind: kind.clone(),
                    name: name.clone(),
                    has_example,
                });
            }
            if kind == "trait" {
                // its methods are public too: `fn` lines one level in, up to the closing brace
                let open = (i..lines.len())
                    .find(|&j| lines[j].trim_end().ends_with('{'))
                    .unwrap_or(lines.len());
                let end = block_end(&lines, open.max(i), ind);
                for (j, l) in lines.iter().enumerate().take(end).skip(open + 1) {
                    if indent(l) != ind + 4 {
                        continue;
                    }
                    let method = l.trim_start().strip_prefix("fn ").map(|r| {
                        r.chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect::<String>()
                    });
                    if let Some(m) = method {
                        let (has_example, hidden) = doc_above(&lines, j);
                        if !hidden {
                            items.push(Item {
                                line: j + 1,
                                kind: "trait method".into(),
                                name: format!("{name}::{m}"),
                                has_example,
                            });
                        }
                    }
                }
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    items
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_public_item_has_an_example() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let (mut total, mut missing) = (0, Vec::new());
    for f in &files {
        let text = fs::read_to_string(f).expect("a readable source file");
        for item in public_items(&text) {
            total += 1;
            if !item.has_example {
                let rel = f.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(f);
                missing.push(format!(
                    "{}:{}: {} {}",
                    rel.display(),
                    item.line,
                    item.kind,
                    item.name
                ));
            }
        }
    }
    // the scan must see the crate's API, not an empty or misread tree
    assert!(total > 250, "only {total} public items found in src/");
    assert!(
        missing.is_empty(),
        "{} of {total} public items have no example in their documentation:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn parses_the_layouts_it_meets() {
    let text = r#"
/// Documented.
///
/// ```
/// assert!(true);
/// ```
#[inline]
pub fn with_example() {}

/// No example.
pub const fn without_example() {}

pub(crate) fn crate_only() {}

mod private {
    pub fn hidden_by_module() {}
}

/// A trait.
///
/// ```
/// ```
pub trait Shape:
    Clone
{
    /// Area, no example.
    fn area(&self) -> f64;
    /// Perimeter.
    ///
    /// ```
    /// ```
    fn perimeter(&self) -> f64 {
        let x = 1.0;
        x
    }
}

#[doc(hidden)]
pub struct Hidden;

pub struct Thing;

impl Thing {
    /// New, no example.
    pub fn new() -> Self {
        Thing
    }
}

#[cfg(test)]
mod tests {
    pub fn in_tests() {}
}
"#;
    let got: Vec<(String, bool)> = public_items(text)
        .into_iter()
        .map(|i| (i.name, i.has_example))
        .collect();
    let want: Vec<(String, bool)> = [
        ("with_example", true),
        ("without_example", false),
        ("Shape", true),
        ("Shape::area", false),
        ("Shape::perimeter", true),
        ("Thing", false),
        ("new", false),
    ]
    .iter()
    .map(|&(n, e)| (n.to_string(), e))
    .collect();
    assert_eq!(got, want);
}
