//! Colour on a terminal only, as kubectl and the krew plugins do: ANSI codes when painting is on,
//! the bare text otherwise.

/// The colours the tools use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// Red (denied).
    Red,
    /// Green (allowed).
    Green,
    /// Yellow (headings, subject kinds).
    Yellow,
    /// Magenta (bullets).
    Magenta,
    /// Bright cyan (section headers, binding types).
    Cyan,
}

/// Whether to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paint {
    /// Colour on (stdout is a terminal and colour is wanted).
    pub enabled: bool,
}

impl Paint {
    /// No colour.
    pub const PLAIN: Self = Self { enabled: false };

    /// `text` in `colour`, or `text` as is when painting is off.
    pub fn apply(self, colour: Colour, text: &str) -> String {
        if !self.enabled {
            return text.to_string();
        }
        let code = match colour {
            Colour::Red => "31",
            Colour::Green => "32",
            Colour::Yellow => "33",
            Colour::Magenta => "35",
            Colour::Cyan => "96",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}
