//! Where `--json`, `--junit` and `--html` reports go. Each path is checked and opened before the
//! first scenario runs (missing parent folders are created), so a bad path is an exit-2 error
//! up front instead of a lost verdict after a long run. `-` means standard output.

use super::ReportError;
use std::fs::{File, OpenOptions};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

/// One report destination, opened.
#[derive(Debug)]
pub struct Sink {
    flag: &'static str,
    dest: Dest,
}

#[derive(Debug)]
enum Dest {
    Stdout,
    File {
        path: PathBuf,
        file: File,
        created: bool,
        written: bool,
    },
}

impl Sink {
    /// Opens `path` for the report of `flag` (`--json`, …): `-` is stdout; otherwise the parent
    /// folders are created and the file is opened for writing (its content is replaced only when
    /// the report is written).
    pub fn open(flag: &'static str, path: &Path) -> Result<Sink, ReportError> {
        if path.as_os_str() == "-" {
            return Ok(Sink {
                flag,
                dest: Dest::Stdout,
            });
        }
        if path.is_dir() {
            return Err(ReportError::IsFolder {
                flag,
                path: path.to_path_buf(),
            });
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| ReportError::Folder {
                flag,
                path: path.to_path_buf(),
                folder: parent.to_path_buf(),
                source,
            })?;
        }
        let created = !path.exists();
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|source| ReportError::Open {
                flag,
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Sink {
            flag,
            dest: Dest::File {
                path: path.to_path_buf(),
                file,
                created,
                written: false,
            },
        })
    }

    /// True when this report goes to standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self.dest, Dest::Stdout)
    }

    /// Writes the report, replacing what the file held.
    pub fn write(mut self, content: &str) -> Result<(), ReportError> {
        let flag = self.flag;
        match &mut self.dest {
            Dest::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(content.as_bytes())
                    .and_then(|()| out.flush())
                    .map_err(|source| ReportError::Write {
                        flag,
                        path: "-".into(),
                        source,
                    })
            }
            Dest::File {
                path,
                file,
                written,
                ..
            } => {
                let res = file
                    .set_len(0)
                    .and_then(|()| file.rewind())
                    .and_then(|()| file.write_all(content.as_bytes()))
                    .and_then(|()| file.flush());
                *written = true;
                res.map_err(|source| ReportError::Write {
                    flag,
                    path: path.clone(),
                    source,
                })
            }
        }
    }
}

impl Drop for Sink {
    /// A file this run created but never wrote (the run stopped early) is removed again.
    fn drop(&mut self) {
        if let Dest::File {
            path,
            created: true,
            written: false,
            ..
        } = &self.dest
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The opened destinations of one run.
#[derive(Debug, Default)]
pub struct Sinks {
    /// `--json`.
    pub json: Option<Sink>,
    /// `--junit`.
    pub junit: Option<Sink>,
    /// `--html`.
    pub html: Option<Sink>,
}

impl Sinks {
    /// Opens every given path; at most one may be `-`.
    pub fn open(
        json: Option<&Path>,
        junit: Option<&Path>,
        html: Option<&Path>,
    ) -> Result<Sinks, ReportError> {
        let sinks = Sinks {
            json: json.map(|p| Sink::open("--json", p)).transpose()?,
            junit: junit.map(|p| Sink::open("--junit", p)).transpose()?,
            html: html.map(|p| Sink::open("--html", p)).transpose()?,
        };
        let to_stdout = [&sinks.json, &sinks.junit, &sinks.html]
            .iter()
            .filter(|s| s.as_ref().is_some_and(Sink::is_stdout))
            .count();
        if to_stdout > 1 {
            return Err(ReportError::StdoutTwice);
        }
        let mut paths: Vec<PathBuf> = [json, junit, html]
            .into_iter()
            .flatten()
            .filter(|p| p.as_os_str() != "-")
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
            .collect();
        let n = paths.len();
        paths.sort();
        paths.dedup();
        if paths.len() != n {
            return Err(ReportError::SameFile);
        }
        Ok(sinks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_parent_folder_is_created_before_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("target/reports/x.xml");
        let sink = Sink::open("--junit", &path).expect("path under a missing folder is usable");
        sink.write("<testsuites/>").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "<testsuites/>");
    }

    #[test]
    fn a_folder_given_as_the_report_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = Sink::open("--json", dir.path()).unwrap_err().to_string();
        assert!(
            err.starts_with("--json ") && err.contains("is a folder"),
            "{err}"
        );
    }

    #[test]
    fn a_file_created_for_a_run_that_stopped_early_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        drop(Sink::open("--json", &path).unwrap());
        assert!(!path.exists(), "an empty report file was left behind");
    }

    #[test]
    fn an_existing_report_is_kept_until_the_new_one_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "old report").unwrap();
        drop(Sink::open("--json", &path).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old report");
    }

    #[test]
    fn two_reports_to_standard_output_are_refused() {
        let err = Sinks::open(Some(Path::new("-")), Some(Path::new("-")), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("standard output"), "{err}");
    }

    #[test]
    fn two_reports_to_one_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("same");
        let err = Sinks::open(Some(&p), None, Some(&p))
            .unwrap_err()
            .to_string();
        assert!(err.contains("same file"), "{err}");
    }
}
