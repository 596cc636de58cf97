"""The five views of a decision sprint, one tab each: Constraints, Data, Run, Results, ADR."""
