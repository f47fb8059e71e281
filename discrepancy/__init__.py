"""Submitted diagnosis versus the findings in the records: typed flags with evidence on both sides."""
