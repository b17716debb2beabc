//! How a program starts and ends, for `ndnet` and the examples alike: a bad command line is one
//! `error:` line and exit 1; every error is one line (control characters escaped, cut to
//! [`MAX_ERROR_CHARS`]) and exit 1; a closed standard output (`| head`) ends the program quietly
//! with exit 141 (128 + SIGPIPE, as a shell reports a process a closed pipe ended), since the work
//! was not finished; a closed standard error never panics; which file and columns to use when the
//! user names none.

use std::error::Error;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;
use ndnet_data::Setting;
use ndnet_trainer::TrainError;

#[path = "../../../examples/common/housing_features.rs"]
mod housing_features;
pub use housing_features::HOUSING_FEATURES;

/// A program's result: any error, shown as one line.
pub type Outcome = Result<(), Box<dyn Error>>;

/// `--data`, or the shipped `data/housing.csv` (relative to the working directory, else to the
/// repository).
pub fn data_path(data: Option<&Path>) -> PathBuf {
    if let Some(p) = data {
        return p.to_path_buf();
    }
    let local = PathBuf::from("data/housing.csv");
    if local.exists() { local } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/housing.csv") }
}

/// `--features`, or the ten in data/README.md for the shipped table, or (`None`) every column
/// but the target for any other file.
pub fn features(features: Option<&[String]>, data: Option<&Path>) -> Option<Vec<String>> {
    match (features, data) {
        (Some(f), _) => Some(f.to_vec()),
        (None, None) => Some(HOUSING_FEATURES.iter().map(|s| s.to_string()).collect()),
        (None, Some(_)) => None,
    }
}

/// Parses the command line; a bad one is a one-line `error: …` and exit 1 like every other bad
/// input (`--help` and `--version` print as usual and exit 0).
pub fn parse<A: Parser>() -> A {
    parse_command(A::command())
}

/// [`parse`] with `command` (a program's, its defaults set at run time) reading the command line.
pub fn parse_command<A: clap::FromArgMatches>(command: clap::Command) -> A {
    command.try_get_matches().and_then(|m| A::from_arg_matches(&m)).unwrap_or_else(|e| {
        if !e.use_stderr() {
            let _ = e.print();
            std::process::exit(0);
        }
        let _ = writeln!(std::io::stderr(), "error: {} (see --help)", parser_error(&e));
        std::process::exit(1)
    })
}

/// A command-line error as one line, without clap's `error: ` (a refused value said as every
/// other refused flag is).
pub fn parser_error(e: &clap::Error) -> String {
    let line = flag_value_error(e).unwrap_or_else(|| {
        let text = e.render().to_string();
        text.lines().next().unwrap_or("invalid arguments").trim_start_matches("error: ").to_string()
    });
    one_line(&line)
}

/// A value clap refused, said the way every other refused flag is: `invalid --numbers bogus:
/// allowed one of standard, robust, quantile` (clap's own says `invalid value 'bogus' for
/// '--numbers <NUMBERS>'`, then the parser's words, which name no flag).
fn flag_value_error(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(e.kind(), ErrorKind::InvalidValue | ErrorKind::ValueValidation) {
        return None;
    }
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let flag = text(ContextKind::InvalidArg)?;
    let flag = flag.split_whitespace().next().unwrap_or(&flag).to_string();
    let value = text(ContextKind::InvalidValue)?;
    let allowed = match (e.get(ContextKind::ValidValue), std::error::Error::source(e)) {
        (Some(ContextValue::Strings(names)), _) => format!("one of {}", names.join(", ")),
        // The parser's own message: `invalid <what> = <value>: allowed <…>`, or a sentence.
        (_, Some(source)) => {
            let said = source.to_string();
            match said.split_once(": allowed ") {
                Some((_, allowed)) => allowed.to_string(),
                None if source.is::<std::num::ParseFloatError>() => "a number".into(),
                None if source.is::<std::num::ParseIntError>() && said.contains("too large") => {
                    "a whole number (this one is too large)".into()
                }
                None if source.is::<std::num::ParseIntError>() => "a whole number".into(),
                None => return Some(format!("invalid {flag} {value}: {said}")),
            }
        }
        _ => return None,
    };
    Some(format!("invalid {flag} {value}: allowed {allowed}"))
}

/// Prints a line on stdout; an error (a closed stdout) ends the program quietly in [`finish`].
pub fn say(line: fmt::Arguments<'_>) -> Outcome {
    if SILENT.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(())
}

/// Whether [`say`] prints nothing (a library caller that prints its own way).
static SILENT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes [`say`] print nothing from now on (the Python package's choice).
pub fn silence() {
    SILENT.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `e` is a closed standard output (`| head`), which ends a program quietly.
fn is_broken_pipe(e: &(dyn Error + 'static)) -> bool {
    match (e.downcast_ref::<TrainError>(), e.downcast_ref::<std::io::Error>()) {
        (Some(t), _) => t.is_broken_pipe(),
        (_, Some(io)) => io.kind() == std::io::ErrorKind::BrokenPipe,
        _ => false,
    }
}

/// The longest error line a program prints; longer ones are cut with `…`.
pub const MAX_ERROR_CHARS: usize = 600;

/// `text` as one line: line ends as spaces, other control characters escaped (`\u{1b}`), cut
/// to [`MAX_ERROR_CHARS`] characters.
///
/// ```
/// use ndnet_cli::program::one_line;
/// assert_eq!(one_line("bad\ncolumn \u{1b}[31m"), "bad column \\u{1b}[31m");
/// assert_eq!(one_line(&"x".repeat(1000)).chars().count(), ndnet_cli::program::MAX_ERROR_CHARS + 1);
/// ```
pub fn one_line(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    match out.char_indices().nth(MAX_ERROR_CHARS) {
        Some((at, _)) => format!("{}…", &out[..at]),
        None => out,
    }
}

/// Ends the program: 0 on success; 141 and nothing printed on a closed stdout; else one
/// `error:` line and 1. A closed stderr only loses the line.
pub fn finish(result: Outcome) {
    match result {
        Ok(()) => {}
        Err(e) if is_broken_pipe(e.as_ref()) => std::process::exit(141),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {}", one_line(&e.to_string()));
            std::process::exit(1);
        }
    }
}

/// Creates the output folder, with an error naming it.
pub fn create_dir(dir: &Path) -> Outcome {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create the output folder: {e}", dir.display()).into())
}

/// A flag's value as a message shows it: numbers short (`1e308`, not 309 digits).
pub trait Shown {
    /// The value as text.
    fn shown(&self) -> String;
}

impl Shown for f64 {
    fn shown(&self) -> String {
        ndnet_optim::short(*self)
    }
}

macro_rules! shown_as_text {
    ($($t:ty),*) => {$(
        impl Shown for $t {
            fn shown(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
shown_as_text!(usize, u64, i64, &str, String);

/// An error unless `ok`: `invalid --{flag} {value}: allowed {allowed}`.
///
/// ```
/// let e = ndnet_cli::program::check_flag("dropout", false, 1e300, "in [0, 1)").unwrap_err();
/// assert_eq!(e, "invalid --dropout 1e300: allowed in [0, 1)");
/// ```
pub fn check_flag(flag: &str, ok: bool, value: impl Shown, allowed: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(format!("invalid --{flag} {}: allowed {allowed}", value.shown())) }
}

/// [`check_flag`] as a program's outcome.
pub fn check(flag: &str, ok: bool, value: impl Shown, allowed: &str) -> Outcome {
    Ok(check_flag(flag, ok, value, allowed)?)
}

/// The first `keep` of `names` joined with `, `, and how many there are in all when that is more.
pub fn elided(names: &[String], keep: usize) -> String {
    match names.len() > keep {
        true => format!("{}, … ({} in all)", names[..keep].join(", "), names.len()),
        false => names.join(", "),
    }
}

/// A level in (0, 1) as a percentage to a tenth: `0.9` → `90%`, `0.975` → `97.5%`.
pub fn percent(level: f64) -> String {
    format!("{}%", (1000.0 * level).round() / 10.0)
}

/// Adds the program's flag to a library error that a setting would fix, and says a library
/// setting's error in the words of its flag (`invalid --class-weight 1,2: allowed …`).
pub fn with_flag_hint(e: impl Into<TrainError>) -> Box<dyn Error> {
    let e: TrainError = e.into();
    if let TrainError::Fold { fold, source } = e {
        return format!("fold {fold}: {}", with_flag_hint(*source)).into();
    }
    if let TrainError::Config { name, value, allowed } = &e
        && FLAG_SETTINGS.contains(name)
    {
        return format!("invalid --{name} {value}: allowed {allowed}").into();
    }
    // The data crate names its settings in words; the program says which flag.
    if let TrainError::Data(ndnet_data::DataError::Config { name, value, allowed }) = &e
        && let Some((_, flag)) = DATA_FLAGS.iter().find(|(setting, _)| setting == name)
    {
        return format!("invalid --{flag} {value}: allowed {allowed}").into();
    }
    let hint = match e.setting() {
        Some(Setting::Missing) => "--missing drop|mean|median",
        Some(Setting::MaxCategories) => "--max-categories N, --embed-above N, or --exclude the column",
        Some(Setting::UnknownCategory) => "--unknown-category ignore",
        Some(Setting::MaxClasses) => "--max-classes N raises it; --task regression regresses on a number",
        _ => return e.into(),
    };
    format!("{e} ({hint})").into()
}

/// The data crate's settings (`DataError::Config { name, .. }`) and the flags that set them.
const DATA_FLAGS: [(&str, &str); 10] = [
    ("val_fraction", "val-fraction"),
    ("test_fraction", "test-fraction"),
    ("val_fraction + test_fraction", "val-fraction + --test-fraction"),
    ("log target", "log-target"),
    ("exclude", "exclude"),
    ("task", "task"),
    ("number-scaling", "numbers"),
    ("standardize", "standardize"),
    ("missing-value policy", "missing"),
    ("unknown-category policy", "unknown-category"),
];

/// The library settings named as the program's flags are (`TrainError::Config { name, .. }`).
const FLAG_SETTINGS: [&str; 6] = ["class-weight", "loss", "cv", "interval", "interval-score", "members"];

/// Refuses an output folder that holds one of the inputs (by any spelling of the path): a run
/// replaces its folder as a whole, which would destroy what the user gave.
pub fn refuse_inputs_inside(out_flag: &str, out: &Path, inputs: &[(&str, &Path)]) -> Outcome {
    let Ok(folder) = std::fs::canonicalize(out) else { return Ok(()) }; // a new folder holds nothing
    for (flag, input) in inputs {
        if std::fs::canonicalize(input).is_ok_and(|i| i.starts_with(&folder)) {
            let message = format!(
                "invalid {out_flag} {}: it holds the {flag} file {} (a run replaces its folder as a whole); choose another folder",
                out.display(),
                input.display()
            );
            return Err(message.into());
        }
    }
    Ok(())
}

/// Refuses an output path that is one of the inputs (by any spelling of the path): writing there
/// would destroy what the user gave.
pub fn refuse_overwrite(out: &Path, inputs: &[(&str, &Path)]) -> Outcome {
    refuse_overwrite_as("--out", out, inputs)
}

/// [`refuse_overwrite`] for an output given by the flag `out_flag`.
pub fn refuse_overwrite_as(out_flag: &str, out: &Path, inputs: &[(&str, &Path)]) -> Outcome {
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false, // the output does not exist yet: it cannot be an input
    };
    for (flag, input) in inputs {
        if same(out, input) {
            return Err(
                format!("{out_flag} {} is the {flag} file: the output would overwrite it", out.display()).into()
            );
        }
    }
    Ok(())
}
