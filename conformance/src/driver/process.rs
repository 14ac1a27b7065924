//! A driver in a child process speaking JSON lines on stdin/stdout. A crash, a hang past the
//! per-command timeout, or a line that is not protocol JSON fails the current scenario with the
//! reason (and the tail of the driver's stderr); the run goes on. A driver declaring `warm` keeps
//! its process from one scenario to the next ([`warm`]).

mod warm;

use super::{AnswerError, DriverError, PipeError};
use super::{DriverFactory, DriverSession, ErrorOutcome, Hello, Reply, PROTOCOL_VERSION};
use futures::future::BoxFuture;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use warm::Pool;
pub use warm::WARM;

/// Starts `argv` once per scenario, or once per several scenarios when the driver is warm. One
/// process is kept started ahead, so a scenario does not wait for the interpreter to boot.
pub struct ProcessDriver {
    spec: String,
    argv: Vec<String>,
    env: Vec<(String, String)>,
    timeout: Duration,
    ahead: tokio::sync::Mutex<Option<tokio::task::JoinHandle<Result<ProcessSession, DriverError>>>>,
    warm: Arc<Pool>,
}

impl ProcessDriver {
    /// A driver running `argv[0] argv[1..]`.
    pub fn new(spec: String, argv: Vec<String>, timeout: Duration) -> Self {
        ProcessDriver {
            spec,
            argv,
            env: Vec::new(),
            timeout,
            ahead: tokio::sync::Mutex::new(None),
            warm: Arc::new(Pool::default()),
        }
    }

    /// Adds an environment variable for the child.
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    fn spawn_ahead(&self) -> tokio::task::JoinHandle<Result<ProcessSession, DriverError>> {
        let (argv, env, timeout) = (self.argv.clone(), self.env.clone(), self.timeout);
        tokio::spawn(async move { launch(&argv, &env, timeout).await })
    }
}

impl DriverFactory for ProcessDriver {
    fn spec(&self) -> String {
        self.spec.clone()
    }

    fn start(&self) -> BoxFuture<'_, Result<Box<dyn DriverSession>, DriverError>> {
        Box::pin(async move {
            if let Some(kept) = self.warm.take() {
                return Ok(Box::new(kept) as Box<dyn DriverSession>);
            }
            let ready = {
                let mut ahead = self.ahead.lock().await;
                let ready = ahead.take();
                *ahead = Some(self.spawn_ahead());
                ready
            };
            let mut session = match ready {
                Some(handle) => handle.await.map_err(DriverError::StartTask)??,
                None => launch(&self.argv, &self.env, self.timeout).await?,
            };
            if session.hello.capabilities.iter().any(|c| c == WARM) {
                session.pool = Some(self.warm.clone());
            }
            Ok(Box::new(session) as Box<dyn DriverSession>)
        })
    }
}

/// Starts the process and performs the hello exchange.
async fn launch(
    argv: &[String],
    env: &[(String, String)],
    timeout: Duration,
) -> Result<ProcessSession, DriverError> {
    let (program, args) = argv.split_first().ok_or(DriverError::EmptyCommand)?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (n, v) in env {
        cmd.env(n, v);
    }
    let mut child = cmd.spawn().map_err(|source| DriverError::Spawn {
        program: program.clone(),
        source,
    })?;
    let stdin = child.stdin.take().ok_or(DriverError::NoPipe("stdin"))?;
    let stdout = BufReader::new(child.stdout.take().ok_or(DriverError::NoPipe("stdout"))?).lines();
    let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
    let mut stderr_reader = None;
    if let Some(err) = child.stderr.take() {
        let tail = stderr_tail.clone();
        stderr_reader = Some(tokio::spawn(async move {
            let mut lines = BufReader::new(err).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut t = tail.lock().expect("stderr tail lock");
                if t.len() == 20 {
                    t.pop_front();
                }
                t.push_back(line);
            }
        }));
    }
    let mut session = ProcessSession {
        child,
        stdin,
        stdout,
        stderr_tail,
        stderr_reader,
        timeout,
        next_id: 0,
        broken: false,
        pool: None,
        hello: Hello {
            protocol: 0,
            sdk: super::SdkId {
                name: String::new(),
                version: String::new(),
                language: String::new(),
                runtime: String::new(),
            },
            capabilities: vec![],
        },
    };
    let reply = session
        .exchange(json!({"cmd": "hello", "protocol": PROTOCOL_VERSION}))
        .await?;
    let hello: Hello = match reply {
        Reply::Ok(v) => serde_json::from_value(v).map_err(DriverError::MalformedHello)?,
        Reply::Err(e) => return Err(DriverError::HelloRefused(e.native.unwrap_or(e.kind))),
    };
    if hello.protocol != PROTOCOL_VERSION {
        return Err(DriverError::ProtocolVersion(hello.protocol));
    }
    session.hello = hello;
    Ok(session)
}

pub(super) struct ProcessSession {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// The task copying stderr into the tail; it ends when the process closes stderr.
    stderr_reader: Option<tokio::task::JoinHandle<()>>,
    timeout: Duration,
    next_id: u64,
    /// A command failed at the protocol level (crash, hang, garbage): never reuse the process.
    broken: bool,
    /// Where the session goes back after its scenario, when the driver is warm.
    pool: Option<Arc<Pool>>,
    hello: Hello,
}

impl ProcessSession {
    /// True while the process runs and has answered every command properly.
    pub(super) fn healthy(&mut self) -> bool {
        !self.broken && matches!(self.child.try_wait(), Ok(None))
    }

    /// Forgets the stderr of earlier scenarios, so a later failure shows only its own.
    pub(super) fn forget_stderr(&self) {
        self.stderr_tail.lock().expect("stderr tail lock").clear();
    }

    /// Ends the process: stdin closed, then killed if it lingers.
    pub(super) async fn close(mut self) {
        drop(self.stdin);
        if tokio::time::timeout(Duration::from_millis(500), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }

    fn stderr(&self) -> Vec<String> {
        let t = self.stderr_tail.lock().expect("stderr tail lock");
        t.iter().cloned().collect()
    }

    pub(super) async fn exchange(&mut self, mut cmd: Value) -> Result<Reply, DriverError> {
        self.next_id += 1;
        let id = self.next_id;
        let name = cmd
            .get("cmd")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        cmd["id"] = json!(id);
        let mut line = serde_json::to_string(&cmd).expect("command serializes");
        line.push('\n');
        let io = async {
            self.stdin
                .write_all(line.as_bytes())
                .await
                .map_err(PipeError::Write)?;
            self.stdin.flush().await.map_err(PipeError::Write)?;
            loop {
                match self.stdout.next_line().await {
                    Ok(Some(l)) if l.trim().is_empty() => continue,
                    Ok(Some(l)) => return Ok(l),
                    Ok(None) => return Err(PipeError::Closed),
                    Err(e) => return Err(PipeError::Read(e)),
                }
            }
        };
        let answer = match tokio::time::timeout(self.timeout, io).await {
            Err(_) => {
                let _ = self.child.start_kill();
                return Err(DriverError::Timeout {
                    command: name,
                    timeout: self.timeout,
                    stderr: self.stderr(),
                });
            }
            Ok(Err(pipe)) => {
                // Stdout closed: wait (bounded) for the exit and for stderr's end, so that the
                // status and the last stderr lines are known, not raced.
                let status = match tokio::time::timeout(self.timeout, self.child.wait()).await {
                    Ok(Ok(s)) => Some(s),
                    _ => None,
                };
                if let Some(reader) = self.stderr_reader.take() {
                    let _ = tokio::time::timeout(self.timeout, reader).await;
                }
                return Err(DriverError::Crashed {
                    command: name,
                    pipe,
                    status,
                    stderr: self.stderr(),
                });
            }
            Ok(Ok(l)) => l,
        };
        parse_answer(&answer, id).map_err(|answer| DriverError::BadAnswer {
            command: name,
            answer,
            stderr: self.stderr(),
        })
    }
}

/// Parses one answer line: `{"id":N,"ok":…}` or `{"id":N,"error":{…}}`.
fn parse_answer(line: &str, id: u64) -> Result<Reply, AnswerError> {
    let v: Value = serde_json::from_str(line).map_err(|source| AnswerError::NotJson {
        line: line.to_string(),
        source,
    })?;
    if v.get("id").and_then(Value::as_u64) != Some(id) {
        return Err(AnswerError::WrongId {
            expected: id,
            line: line.to_string(),
        });
    }
    if let Some(ok) = v.get("ok") {
        return Ok(Reply::Ok(ok.clone()));
    }
    if let Some(err) = v.get("error") {
        let e: ErrorOutcome =
            serde_json::from_value(err.clone()).map_err(AnswerError::MalformedError)?;
        return Ok(Reply::Err(e));
    }
    Err(AnswerError::NeitherOkNorError(line.to_string()))
}

impl DriverSession for ProcessSession {
    fn hello(&self) -> &Hello {
        &self.hello
    }

    fn call(&mut self, cmd: Value) -> BoxFuture<'_, Result<Reply, DriverError>> {
        Box::pin(async move {
            let reply = self.exchange(cmd).await;
            self.broken |= reply.is_err();
            reply
        })
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        let me = *self;
        Box::pin(async move {
            match me.pool.clone() {
                Some(pool) => pool.recycle(me).await,
                None => me.close().await,
            }
        })
    }
}
