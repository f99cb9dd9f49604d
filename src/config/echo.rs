//! Messages stay short: a value echoed back to the user is clipped, and a list of messages is
//! capped, whatever the input's size (an unknown key of a megabyte is not repeated whole).

/// The most characters of a user's value a message repeats.
pub const MAX_ECHO_CHARS: usize = 80;

/// The most messages a list shows before "and N more".
pub const MAX_MESSAGES: usize = 10;

/// `s` when it has at most [`MAX_ECHO_CHARS`] characters; otherwise its first
/// `MAX_ECHO_CHARS - 1` characters and "…" (80 characters in all).
pub fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO_CHARS) {
        None => s.to_string(),
        Some(_) => {
            let end = s
                .char_indices()
                .nth(MAX_ECHO_CHARS - 1)
                .map_or(s.len(), |(i, _)| i);
            format!("{}…", &s[..end])
        }
    }
}

/// `s` with every span between backticks (how serde quotes a key or value) clipped by
/// [`clip`]; the rest of the text is kept.
pub fn clip_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4 * MAX_ECHO_CHARS));
    for (i, part) in s.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(&clip(part));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// At most [`MAX_MESSAGES`] messages: the first `MAX_MESSAGES - 1` and "and N more".
pub fn cap(mut messages: Vec<String>) -> Vec<String> {
    if messages.len() > MAX_MESSAGES {
        let more = messages.len() - (MAX_MESSAGES - 1);
        messages.truncate(MAX_MESSAGES - 1);
        messages.push(format!("and {more} more"));
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_clipped_to_eighty_characters_ending_in_an_ellipsis() {
        let long = "é".repeat(1_000_000);
        let c = clip(&long);
        assert_eq!(c.chars().count(), MAX_ECHO_CHARS);
        assert!(c.ends_with('…'));
        assert_eq!(clip("short"), "short");
        let exact = "x".repeat(MAX_ECHO_CHARS);
        assert_eq!(clip(&exact), exact);
    }

    #[test]
    fn only_the_quoted_spans_of_a_message_are_clipped() {
        let key = "k".repeat(500);
        let msg = format!("unknown field `{key}`, expected `lr` or `steps`");
        let c = clip_quoted(&msg);
        assert!(c.starts_with("unknown field `kkk"), "{c}");
        assert!(c.ends_with("…`, expected `lr` or `steps`"), "{c}");
        assert!(c.len() < 200);
    }

    #[test]
    fn a_long_list_of_messages_ends_with_and_n_more() {
        let m = cap((0..20_000).map(|i| format!("m{i}")).collect());
        assert_eq!(m.len(), MAX_MESSAGES);
        assert_eq!(m.last().unwrap(), &format!("and {} more", 20_000 - 9));
        assert_eq!(cap(vec!["a".into()]), vec!["a".to_string()]);
    }
}
