"""Alert grading: an oracle of when an incident becomes distinguishable, replays and the alert bench."""
