"""Ranking: facts and passage sentences as one list of evidence, scored on one scale."""
