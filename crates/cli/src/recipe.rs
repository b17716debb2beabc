//! Recipes: named sets of `ndnet train`'s defaults, each in one place. A recipe sets the flags'
//! defaults before the command line is read, so a flag given by the user always wins, `--help`
//! shows the chosen recipe's values, and a run's saved settings hold the values it used.
//!
//! ```
//! use ndnet_cli::recipe;
//! let args = ["ndnet", "train", "--recipe", "plain-mlp"].map(std::ffi::OsString::from);
//! assert_eq!(recipe::chosen(&args).name, "plain-mlp");
//! assert_eq!(recipe::chosen(&args[..2]).name, recipe::DEFAULT);
//! ```

use std::ffi::OsString;

/// A named set of defaults for `ndnet train`'s flags.
#[derive(Debug)]
pub struct Recipe {
    /// What `--recipe` takes.
    pub name: &'static str,
    /// One line for `--help`.
    pub about: &'static str,
    /// Flag names (as written on the command line, without `--`) and their default values; a
    /// flag not listed keeps its own default.
    pub defaults: &'static [(&'static str, &'static str)],
}

/// The recipe `ndnet train` uses when none is named.
pub const DEFAULT: &str = "tabm";

/// Every recipe, the default first.
pub const RECIPES: &[Recipe] = &[
    Recipe {
        name: "tabm",
        about: "an ensemble of 8 members in one network (TabM) over piecewise-linear embeddings of the numbers, trained with AdamW (docs/tabular.md)",
        defaults: &[
            ("members", "8"),
            ("hidden", "128,128"),
            ("dropout", "0.1"),
            ("numeric", "piecewise-linear"),
            ("embed-above", "16"),
            ("optimizer", "adamw"),
            ("lr", "0.002"),
            ("batch-size", "256"),
            ("patience", "8"),
        ],
    },
    Recipe {
        name: "plain-mlp",
        about: "one network of two hidden layers of 64 (ReLU) over standardised numbers and one-hot text, trained with Adam in batches of 32 (`--recipe plain-mlp --help` shows its values)",
        defaults: &[],
    },
];

/// The recipe called `name`.
pub fn named(name: &str) -> Option<&'static Recipe> {
    RECIPES.iter().find(|r| r.name == name)
}

/// The recipe a command line names with `--recipe NAME` or `--recipe=NAME` (the last one), else
/// the default; a name that is no recipe gives the default here, and clap refuses it.
pub fn chosen(args: &[OsString]) -> &'static Recipe {
    let mut name = None;
    let mut words = args.iter().filter_map(|a| a.to_str());
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if word == "--recipe" {
            name = words.next();
        } else if let Some(value) = word.strip_prefix("--recipe=") {
            name = Some(value);
        }
    }
    name.and_then(named).unwrap_or_else(|| named(DEFAULT).expect("the default recipe is listed"))
}

impl Recipe {
    /// `command` (`ndnet train`'s) with this recipe's defaults.
    pub fn apply(&self, command: clap::Command) -> clap::Command {
        self.defaults.iter().fold(command, |command, &(flag, value)| {
            let id = flag.replace('-', "_");
            command.mut_arg(id, |arg| arg.default_value(value))
        })
    }
}

/// `--recipe`'s long help: every recipe and what it sets.
pub fn help() -> String {
    let listed: Vec<String> = RECIPES
        .iter()
        .map(|r| {
            let set: Vec<String> = r.defaults.iter().map(|(f, v)| format!("--{f} {v}")).collect();
            let set = if set.is_empty() { String::new() } else { format!(" [{}]", set.join(" ")) };
            format!("{}: {}{set}", r.name, r.about)
        })
        .collect();
    format!("Which defaults the other flags take (a flag given always wins): {}", listed.join("; "))
}

/// The recipes' names, for clap's check of `--recipe`.
pub fn names() -> Vec<&'static str> {
    RECIPES.iter().map(|r| r.name).collect()
}
