import CollectorScripting
import Testing

/// `:doc` on a terminal: the reference's markdown laid out for reading there.
@Suite struct TerminalMarkdownTests {
    @Test func headingsCodeLinksAndListsLoseTheirMarks() {
        let markdown = """
            ## Running: `run()`

            `run()` runs the [pipelines](lua-api.md#pipelines), **now**:

            ```lua script continues
            local report = run().quickstart
            ```
            - one `item`
            """
        #expect(TerminalMarkdown.render(markdown, colors: false) == """
            Running: run()

            run() runs the pipelines, now:

                local report = run().quickstart
            • one item
            """)
        let coloured = TerminalMarkdown.render(markdown, colors: true)
        #expect(coloured.hasPrefix("\u{1B}[1;4mRunning: \u{1B}[36mrun()\u{1B}[0m\u{1B}[0m"), "\(coloured.debugDescription)")
        #expect(coloured.contains("    \u{1B}[36mlocal report = run().quickstart\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[1mnow\u{1B}[0m"))
    }

    @Test func tablesAlignAndTooWideOnesGoCellByCell() {
        let table = """
            | name | what |
            |---|---|
            | `a` | the first \\| one |
            | `long_name` | x |
            """
        #expect(TerminalMarkdown.render(table, colors: false) == """
            name       what
            a          the first | one
            long_name  x
            """)
        #expect(TerminalMarkdown.render(table, width: 12, colors: false) == """
            name
                what
            a
                the first | one
            long_name
                x
            """)
    }
}
