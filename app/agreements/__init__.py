"""The partnership agreement: drafting from the clause library, versions, approval, Word file."""
