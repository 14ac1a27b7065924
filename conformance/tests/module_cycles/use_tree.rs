//! The paths a `use` declaration names.

use super::graph::is_ident;

pub struct Leaf {
    pub path: Vec<String>,
    pub name: Option<String>,
}

/// The paths a `use` tree names, with the name each binds (`None` for globs and `_`).
pub fn use_leaves(words: &[&str]) -> Vec<Leaf> {
    let mut out = Vec::new();
    let mut pos = 0;
    use_tree(words, &mut pos, Vec::new(), &mut out);
    out
}

fn use_tree(words: &[&str], pos: &mut usize, mut path: Vec<String>, out: &mut Vec<Leaf>) {
    if words.get(*pos) == Some(&"::") {
        *pos += 1;
    }
    loop {
        match words.get(*pos).copied() {
            Some("{") => {
                *pos += 1;
                while words.get(*pos).is_some_and(|w| *w != "}") {
                    use_tree(words, pos, path.clone(), out);
                    if words.get(*pos) == Some(&",") {
                        *pos += 1;
                    } else if words.get(*pos) != Some(&"}") {
                        return;
                    }
                }
                *pos += 1;
                return;
            }
            Some("*") => {
                *pos += 1;
                out.push(Leaf { path, name: None });
                return;
            }
            Some(word) if is_ident(word) => {
                *pos += 1;
                path.push(word.to_string());
                if words.get(*pos) == Some(&"::") {
                    *pos += 1;
                    continue;
                }
                if path.last().is_some_and(|s| s == "self") {
                    path.pop();
                }
                let mut name = path.last().cloned();
                if words.get(*pos) == Some(&"as") {
                    name = words
                        .get(*pos + 1)
                        .map(|w| w.to_string())
                        .filter(|w| w != "_");
                    *pos += 2;
                }
                out.push(Leaf { path, name });
                return;
            }
            _ => return,
        }
    }
}
