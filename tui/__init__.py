"""archbench's Textual front end: a decision sprint at one terminal.

It drives the same headless harness as `harness run` and holds no domain logic: the spec is validated by
`harness.spec`, data read by `harness.data`, audited by `harness.audit`, measured and decided by
`harness.runner`, recorded by `harness.adr`. Start it with `harness tui [SPEC]` (→ `tui.app.main`).
"""
