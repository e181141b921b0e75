//! The language a page is shown in: Simplified Chinese by default, English by choice.
//! Every label of the domain has both, so a choice here never needs a lookup table.

/// A user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The text in this language, from its Chinese and English forms.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The BCP 47 tag of the page (`<html lang>`).
    pub fn tag(self) -> &'static str {
        self.pick("zh-CN", "en")
    }

    /// The value kept in the `lang` cookie.
    pub fn code(self) -> &'static str {
        self.pick("zh", "en")
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Self {
        self.pick_value(Lang::En, Lang::Zh)
    }

    pub fn pick_value<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}
