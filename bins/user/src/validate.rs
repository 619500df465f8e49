//! The rules for usernames and passwords, checked by the worker (the authority) whatever
//! the caller checked before.

use crate::error::UserError;

pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 6;
pub const PASSWORD_MAX: usize = 32;

/// 1–32 characters, no control characters, no leading or trailing whitespace (names are
/// exact, so " bob" and "bob" would otherwise be two look-alike accounts).
pub fn username(name: &str) -> Result<(), UserError> {
    let count = name.chars().count();
    if count == 0 || count > USERNAME_MAX {
        return invalid(format!("username must be 1–{USERNAME_MAX} characters"));
    }
    if name.trim() != name || name.chars().any(char::is_control) {
        return invalid("username must not start or end with spaces or hold control characters");
    }
    Ok(())
}

/// 6–32 characters; anything else is the user's business.
pub fn password(password: &str) -> Result<(), UserError> {
    let count = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&count) {
        return invalid(format!(
            "password must be {PASSWORD_MIN}–{PASSWORD_MAX} characters"
        ));
    }
    Ok(())
}

fn invalid(message: impl Into<String>) -> Result<(), UserError> {
    Err(UserError::Invalid(message.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_counted_in_characters() {
        assert!(username("a").is_ok());
        assert!(username(&"é".repeat(32)).is_ok());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(username("").is_err());
        assert!(username(" bob").is_err());
        assert!(username("bo\u{7}b").is_err());
    }

    #[test]
    fn passwords_are_six_to_thirty_two_characters() {
        assert!(password("12345").is_err());
        assert!(password("123456").is_ok());
        assert!(password(&"x".repeat(32)).is_ok());
        assert!(password(&"x".repeat(33)).is_err());
    }
}
