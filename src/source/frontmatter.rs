//! Markdown front matter. (Being written.)
