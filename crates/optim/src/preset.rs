//! Presets as names: `FromStr` and `Display` for the enums that pick a framework's defaults,
//! so a program takes `--preset pytorch` without mirroring the enum.

/// Implements `ALL`, `name`, `Display` and `FromStr` (case-insensitive) for a preset enum from
/// its `(Variant, "name")` pairs.
macro_rules! named_presets {
    ($ty:ident, $what:literal, [$(($variant:ident, $name:literal)),+ $(,)?]) => {
        impl $ty {
            /// Every preset, in the order the docs list them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The preset's name, as `FromStr` takes it.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::OptimError;

            fn from_str(s: &str) -> $crate::Result<Self> {
                let lower = s.to_ascii_lowercase();
                Self::ALL.iter().copied().find(|p| p.name() == lower).ok_or_else(|| $crate::OptimError::Config {
                    name: $what,
                    value: s.to_string(),
                    allowed: concat!("one of ", $crate::preset::join!($($name),+)),
                })
            }
        }
    };
}

/// `"a, b, c"` from string literals, at compile time.
macro_rules! join {
    ($first:literal $(, $rest:literal)*) => { concat!($first $(, ", ", $rest)*) };
}

pub(crate) use {join, named_presets};
