//! The module graph of a library crate, read from its sources: which module's code names which
//! other module, through `use` (re-exports followed) and `crate::`/`super::`/`self::` paths.
//! Test-only modules (`#[cfg(test)]`) are left out: they may use whatever they test.

use super::lex::{tokens, Token};
use super::scc::strongly_connected;
use super::use_tree::use_leaves;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

/// A path written in a module, where it was written.
struct Written {
    path: Vec<String>,
    at: String,
}

#[derive(Default)]
struct Module {
    children: BTreeSet<String>,
    /// name → the path its `use` names (as written in this module).
    imports: BTreeMap<String, Vec<String>>,
    refs: Vec<Written>,
}

/// Modules of one crate, keyed by their path below the crate root.
pub struct CrateGraph {
    modules: BTreeMap<ModPath, Module>,
}

/// A `mod x;` declaration: (declaring module, name, inline module folders on the way to it).
type Declared = (ModPath, String, Vec<String>);

/// Where the walk through one file stands.
struct Walk {
    /// (module path, brace depth inside it, is a test module)
    stack: Vec<(ModPath, usize, bool)>,
    depth: usize,
    /// The last attribute seen was `#[cfg(test)]` and no item has ended since.
    test_attr: bool,
    declared: Vec<Declared>,
}

impl Walk {
    fn open(&mut self) {
        self.depth += 1;
        self.test_attr = false;
    }

    fn close(&mut self) {
        if self.stack.len() > 1 && self.stack.last().is_some_and(|s| s.1 == self.depth) {
            self.stack.pop();
        }
        self.depth = self.depth.saturating_sub(1);
        self.test_attr = false;
    }
}

/// Sibling modules that name each other, directly or round a loop.
#[derive(Debug)]
pub struct Cycle {
    pub parent: String,
    pub members: Vec<String>,
    /// One line per edge inside the cycle: `a -> b (file:line)`.
    pub edges: Vec<String>,
}

impl CrateGraph {
    /// Reads the crate whose root is `src/lib.rs`, following `mod x;` declarations.
    pub fn read(src: &Path) -> CrateGraph {
        let mut graph = CrateGraph {
            modules: BTreeMap::new(),
        };
        graph.read_file(src, &src.join("lib.rs"), Vec::new(), src.to_path_buf());
        graph
    }

    fn read_file(&mut self, src: &Path, file: &Path, path: ModPath, dir: PathBuf) {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let shown = file.strip_prefix(src).unwrap_or(file).display().to_string();
        let declared = self.parse(&tokens(&text), &path, &shown);
        for (module, name, inline_dirs) in declared {
            let mut child_dir = dir.clone();
            child_dir.extend(inline_dirs);
            let child_file = [
                child_dir.join(format!("{name}.rs")),
                child_dir.join(&name).join("mod.rs"),
            ]
            .into_iter()
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{shown}: no file for `mod {name};`"));
            let mut child = module.clone();
            child.push(name.clone());
            self.read_file(src, &child_file, child, child_dir.join(&name));
        }
    }

    /// Records the file's modules, uses and paths; returns its `mod x;` declarations as
    /// (declaring module, name, inline module folders between the file's folder and it).
    fn parse(&mut self, toks: &[Token], file_mod: &ModPath, shown: &str) -> Vec<Declared> {
        let mut walk = Walk {
            stack: vec![(file_mod.clone(), 0, false)],
            depth: 0,
            test_attr: false,
            declared: Vec::new(),
        };
        self.modules.entry(file_mod.clone()).or_default();
        let mut i = 0;
        while i < toks.len() {
            let (current, _, in_test) =
                walk.stack.last().cloned().expect("the file's module stays");
            let line = toks[i].line;
            let at = || format!("{shown}:{line}");
            match toks[i].text.as_str() {
                "{" => walk.open(),
                "}" => walk.close(),
                ";" => walk.test_attr = false,
                "#" if is_cfg_test(&toks[i..]) => walk.test_attr = true,
                "mod" if toks.get(i + 1).is_some_and(|t| is_ident(&t.text)) => {
                    i = self.declare_mod(&mut walk, toks, i, file_mod);
                    continue;
                }
                "use" => {
                    let end = toks[i..]
                        .iter()
                        .position(|t| t.text == ";")
                        .map_or(toks.len(), |p| i + p);
                    if !(in_test || walk.test_attr) {
                        let words: Vec<&str> =
                            toks[i + 1..end].iter().map(|t| t.text.as_str()).collect();
                        self.record_use(&current, &words, &at());
                    }
                    i = end;
                    continue;
                }
                w if !in_test
                    && matches!(w, "crate" | "$crate" | "super" | "self")
                    && starts_path(toks, i) =>
                {
                    let path = path_at(toks, i);
                    i += path.len() * 2 - 1;
                    self.modules
                        .entry(current)
                        .or_default()
                        .refs
                        .push(Written { path, at: at() });
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        walk.declared
    }

    /// `mod name;` or `mod name {`, at token `i`; returns where to go on.
    fn declare_mod(
        &mut self,
        walk: &mut Walk,
        toks: &[Token],
        i: usize,
        file_mod: &ModPath,
    ) -> usize {
        let (current, _, in_test) = walk.stack.last().cloned().expect("the file's module stays");
        let name = toks[i + 1].text.clone();
        let test = in_test || walk.test_attr;
        if !test {
            self.modules
                .entry(current.clone())
                .or_default()
                .children
                .insert(name.clone());
        }
        match toks.get(i + 2).map(|t| t.text.as_str()) {
            Some("{") => {
                let mut inner = current;
                inner.push(name);
                walk.open();
                walk.stack.push((inner.clone(), walk.depth, test));
                self.modules.entry(inner).or_default();
                i + 3
            }
            Some(";") if !test => {
                let inline = current[file_mod.len()..].to_vec();
                walk.declared.push((current, name, inline));
                i + 2
            }
            _ => i + 2,
        }
    }

    fn record_use(&mut self, module: &ModPath, words: &[&str], at: &str) {
        let module = self.modules.entry(module.clone()).or_default();
        for leaf in use_leaves(words) {
            if let Some(name) = leaf.name {
                module.imports.insert(name, leaf.path.clone());
            }
            module.refs.push(Written {
                path: leaf.path,
                at: at.to_string(),
            });
        }
    }

    /// Cycles among sibling modules, at every level of the tree.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut levels: BTreeMap<ModPath, BTreeMap<(String, String), String>> = BTreeMap::new();
        for (from, module) in &self.modules {
            for written in &module.refs {
                let Some(to) = self.absolute(from, &written.path).map(|p| self.target(p)) else {
                    continue;
                };
                let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
                if common == from.len() || common == to.len() {
                    continue; // a module and its own ancestor or descendant
                }
                let edge = (from[common].clone(), to[common].clone());
                levels
                    .entry(from[..common].to_vec())
                    .or_default()
                    .entry(edge)
                    .or_insert_with(|| written.at.clone());
            }
        }
        let mut out = Vec::new();
        for (parent, edges) in levels {
            for members in strongly_connected(&edges) {
                let edges = edges
                    .iter()
                    .filter(|((a, b), _)| members.contains(a) && members.contains(b))
                    .map(|((a, b), at)| format!("{a} -> {b} ({at})"))
                    .collect();
                let parent = if parent.is_empty() {
                    "crate".into()
                } else {
                    parent.join("::")
                };
                out.push(Cycle {
                    parent,
                    members: members.into_iter().collect(),
                    edges,
                });
            }
        }
        out
    }

    /// The path as the crate sees it from its root, if it names something of this crate.
    fn absolute(&self, module: &ModPath, written: &[String]) -> Option<Vec<String>> {
        let mut base = module.clone();
        let mut rest = written;
        match rest.first()?.as_str() {
            "crate" | "$crate" => {
                base.clear();
                rest = &rest[1..];
            }
            "self" => rest = &rest[1..],
            "super" => {
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            first if self.modules.get(module)?.children.contains(first) => {}
            _ => return None,
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The module that owns what `path` names, following imports and re-exports.
    fn target(&self, path: Vec<String>) -> ModPath {
        let (mut path, mut at, mut hops) = (path, 0, 0);
        loop {
            let module = &self.modules[&path[..at].to_vec()];
            let Some(seg) = path.get(at).cloned() else {
                return path;
            };
            if module.children.contains(&seg) {
                at += 1;
            } else if let Some(import) = module.imports.get(&seg).filter(|_| hops < 16) {
                let Some(mut next) = self.absolute(&path[..at].to_vec(), import) else {
                    return path[..at].to_vec();
                };
                if next == path[..=at] {
                    return path[..at].to_vec();
                }
                hops += 1;
                next.extend(path[at + 1..].iter().cloned());
                (path, at) = (next, 0);
            } else {
                return path[..at].to_vec();
            }
        }
    }
}

pub fn is_ident(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
}

fn is_cfg_test(toks: &[Token]) -> bool {
    let words: Vec<&str> = toks.iter().take(7).map(|t| t.text.as_str()).collect();
    words == ["#", "[", "cfg", "(", "test", ")", "]"]
}

fn starts_path(toks: &[Token], i: usize) -> bool {
    toks.get(i + 1).is_some_and(|t| t.text == "::") && (i == 0 || toks[i - 1].text != "::")
}

fn path_at(toks: &[Token], mut i: usize) -> Vec<String> {
    let mut path = vec![toks[i].text.clone()];
    while toks.get(i + 1).is_some_and(|t| t.text == "::")
        && toks.get(i + 2).is_some_and(|t| is_ident(&t.text))
    {
        path.push(toks[i + 2].text.clone());
        i += 2;
    }
    path
}
