from baton.assistant.knowledge.chunking import chunk_document, chunk_markdown


def test_markdown_keeps_the_heading_path_with_each_passage() -> None:
    chunks = chunk_markdown(
        "# Returns\n\nIntro text.\n\n## Refund timing\n\nFive business days.\n\n# Shipping\n\nFast."
    )
    assert [(chunk.heading, chunk.text) for chunk in chunks] == [
        ("Returns", "Intro text."),
        ("Returns › Refund timing", "Five business days."),
        ("Shipping", "Fast."),
    ]


def test_a_file_title_is_used_until_the_document_has_its_own_h1() -> None:
    chunks = chunk_markdown("Preamble.\n\n## Section\n\nBody.", title="Warranty")
    assert [chunk.heading for chunk in chunks] == ["Warranty", "Warranty › Section"]


def test_long_sections_are_split_at_sentence_boundaries_and_keep_their_heading() -> None:
    sentence = "The battery should be stored at room temperature. "
    chunks = chunk_markdown("# Battery\n\n" + sentence * 60, limit=300)
    assert len(chunks) > 1
    assert all(chunk.heading == "Battery" and len(chunk.text) <= 300 for chunk in chunks)
    assert all(chunk.text.endswith(".") for chunk in chunks)


def test_wrapped_lines_are_joined_but_lists_keep_their_lines() -> None:
    [chunk] = chunk_markdown("# Pay\n\nWe accept\ncards.\n\n- Visa\n- PayPal")[:1]
    assert chunk.text == "We accept cards.\n\n- Visa\n- PayPal"


def test_html_headings_become_passage_headings_and_scripts_are_dropped() -> None:
    page = (
        "<html><head><title>Help</title><script>var x = 1;</script></head><body>"
        "<nav>Home | Shop</nav><h1>Warranty</h1><p>Frames have a <b>lifetime</b> warranty.</p>"
        "<h2>Batteries</h2><ul><li>Two years</li><li>Registration required</li></ul></body></html>"
    )
    chunks = chunk_document(page, "html")
    assert [chunk.heading for chunk in chunks] == ["Warranty", "Warranty › Batteries"]
    assert chunks[0].text == "Frames have a lifetime warranty."
    assert "Two years" in chunks[1].text and "var x" not in " ".join(c.text for c in chunks)


def test_plain_text_is_split_into_paragraphs_under_the_title() -> None:
    chunks = chunk_document("First paragraph.\n\nSecond paragraph.", "text", title="Notes")
    assert [(c.heading, c.text) for c in chunks] == [("Notes", "First paragraph.\n\nSecond paragraph.")]
