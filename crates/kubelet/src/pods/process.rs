//! Starting and signalling the processes of containers and of `exec`: the environment is the
//! container's only (nothing of the node's own), the program is found on the container's
//! `PATH` with Go's `exec.LookPath` wording when it is not there, each process leads its own
//! process group so that a stop reaches its children too.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// How a container's processes run: their environment and working directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSpec {
    /// The whole environment.
    pub env: Vec<(String, String)>,
    /// The working directory.
    pub cwd: PathBuf,
}

impl ProcessSpec {
    fn path_var(&self) -> &str {
        self.env
            .iter()
            .find(|(n, _)| n == "PATH")
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

fn is_executable(path: &Path) -> Result<(), String> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        format!("stat {}: {reason}", path.display())
    })?;
    if metadata.is_dir() || metadata.permissions().mode() & 0o111 == 0 {
        return Err("permission denied".to_string());
    }
    Ok(())
}

/// Go's `exec.LookPath` on the container's `PATH`, with its error texts.
pub fn look_path(program: &str, spec: &ProcessSpec) -> Result<PathBuf, String> {
    if program.contains('/') {
        let path = spec.cwd.join(program);
        return is_executable(&path)
            .map(|()| path)
            .map_err(|e| format!("exec: {program:?}: {e}"));
    }
    for dir in spec.path_var().split(':').filter(|d| !d.is_empty()) {
        let candidate = Path::new(dir).join(program);
        if is_executable(&candidate).is_ok() {
            return Ok(candidate);
        }
    }
    Err(format!(
        "exec: {program:?}: executable file not found in $PATH"
    ))
}

/// What a spawned process is connected to.
pub enum Stdin {
    /// A pipe the node writes to.
    Piped,
    /// Nothing (`/dev/null`).
    Null,
}

/// Starts `argv` with pipes for its output (and its input when `stdin` is `Piped`).
pub fn spawn_piped(
    argv: &[String],
    spec: &ProcessSpec,
    stdin: Stdin,
) -> Result<tokio::process::Child, String> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| "no command specified".to_string())?;
    let path = look_path(program, spec)?;
    let mut command = tokio::process::Command::new(path);
    command
        .args(args)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&spec.cwd)
        .stdin(match stdin {
            Stdin::Piped => Stdio::piped(),
            Stdin::Null => Stdio::null(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    command
        .spawn()
        .map_err(|e| format!("exec: {program:?}: {e}"))
}

/// Starts `argv` on a new pseudo-terminal (its session leader, the terminal its controlling
/// one) of `size` (columns, rows) when known; returns the process and the terminal's master
/// side.
pub fn spawn_pty(
    argv: &[String],
    spec: &ProcessSpec,
    size: Option<(u16, u16)>,
) -> Result<(tokio::process::Child, pty_process::Pty), String> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| "no command specified".to_string())?;
    let path = look_path(program, spec)?;
    let (pty, pts) = pty_process::open().map_err(|e| format!("open a terminal: {e}"))?;
    if let Some((columns, rows)) = size {
        pty.resize(pty_process::Size::new(rows, columns))
            .map_err(|e| format!("size the terminal: {e}"))?;
    }
    let mut env = spec.env.clone();
    if !env.iter().any(|(n, _)| n == "TERM") {
        env.push(("TERM".to_string(), "xterm".to_string()));
    }
    let child = pty_process::Command::new(path)
        .args(args)
        .env_clear()
        .envs(env)
        .current_dir(&spec.cwd)
        .kill_on_drop(true)
        .spawn(pts)
        .map_err(|e| format!("exec: {program:?}: {e}"))?;
    Ok((child, pty))
}

/// Sends `signal` to the process group led by `pid` (ignoring a group already gone).
pub fn signal_group(pid: Option<u32>, signal: rustix::process::Signal) {
    let Some(pid) = pid
        .and_then(|p| i32::try_from(p).ok())
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    if rustix::process::kill_process_group(pid, signal).is_err() {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// The exit code of a status as the runtime reports it: the code, or 128 + the signal.
pub fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt as _;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1)
}
