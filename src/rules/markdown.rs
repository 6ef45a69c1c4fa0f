//! Headings and section text of a card's Markdown body, with byte positions in the file.
//!
//! `pulldown-cmark` reads ATX (`## Uses`) and setext (`Uses` underlined with `---`) headings
//! alike and gives each event its byte range. A section runs from its heading to the next
//! heading of the same or a higher level, so it includes its subsections. HTML (such as the
//! `<!-- Provide ... -->` prompts of the Hugging Face templates) is not text.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::source::Span;

/// A heading and the text of its section.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// 1 for `#`, 6 for `######`.
    pub level: u8,
    /// The heading's text, without markup.
    pub text: String,
    /// The heading line in the file.
    pub span: Span,
    /// The text of the section below the heading, subsections included, without headings
    /// and HTML; paragraphs are separated by newlines.
    pub section_text: String,
}

/// Parses the Markdown body of `text` starting at byte `body_start`.
pub fn headings(text: &str, body_start: usize) -> Vec<Heading> {
    let body = &text[body_start.min(text.len())..];
    let mut found: Vec<(u8, String, Span)> = Vec::new();
    // Text outside headings, with the offset where it starts.
    let mut texts: Vec<(usize, String)> = Vec::new();
    let mut in_heading: Option<(u8, String, Span)> = None;

    for (event, range) in Parser::new_ext(body, Options::ENABLE_TABLES).into_offset_iter() {
        let span = Span::new(range.start + body_start, range.end + body_start);
        match event {
            Event::Start(Tag::Heading { level, .. }) => in_heading = Some((level as u8, String::new(), span)),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, heading_text, heading_span)) = in_heading.take() {
                    found.push((level, heading_text.trim().to_string(), first_line(text, heading_span)));
                }
            }
            Event::Text(part) | Event::Code(part) => match &mut in_heading {
                Some((_, heading_text, _)) => heading_text.push_str(&part),
                None => texts.push((span.start, part.into_string())),
            },
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell)
                if in_heading.is_none() =>
            {
                texts.push((span.start, "\n".to_string()));
            }
            _ => {}
        }
    }

    let mut out = Vec::with_capacity(found.len());
    for (index, (level, heading_text, span)) in found.iter().enumerate() {
        let end = found[index + 1..]
            .iter()
            .find(|(other_level, _, _)| other_level <= level)
            .map_or(text.len(), |(_, _, other)| other.start);
        let section_text: String = texts
            .iter()
            .filter(|(offset, _)| *offset >= span.end && *offset < end)
            .map(|(_, part)| part.as_str())
            .collect();
        out.push(Heading { level: *level, text: heading_text.clone(), span: *span, section_text });
    }
    out
}

/// Cuts a span to its first line, because a setext heading's range also covers its underline.
fn first_line(text: &str, span: Span) -> Span {
    let end = text[span.start..span.end].find(['\n', '\r']).map_or(span.end, |i| span.start + i);
    Span::new(span.start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atx_and_setext_headings_with_positions() {
        let text = "---\nlicense: mit\n---\n# Model\n\nIntro.\n\nUses\n----\n\nFor text.\n";
        let body_start = text.find("# Model").unwrap();
        let found = headings(text, body_start);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].text, "Model");
        assert_eq!(found[0].level, 1);
        assert_eq!(&text[found[0].span.start..found[0].span.end], "# Model");
        assert_eq!(found[1].text, "Uses");
        assert_eq!(found[1].level, 2);
        assert_eq!(&text[found[1].span.start..found[1].span.end], "Uses");
        assert_eq!(found[1].section_text.trim(), "For text.");
    }

    #[test]
    fn section_includes_subsections_and_drops_html() {
        let text = "## Uses\n<!-- Address questions -->\n### Direct Use\nClassify tickets.\n## Bias\nNone known.\n";
        let found = headings(text, 0);
        assert_eq!(found[0].text, "Uses");
        assert!(found[0].section_text.contains("Classify tickets."));
        assert!(!found[0].section_text.contains("Address"));
        assert!(!found[0].section_text.contains("None known"));
        assert_eq!(found[1].section_text.trim(), "Classify tickets.");
    }
}
