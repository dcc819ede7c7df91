"""公共信用综合评价 (req §3.6): the scoring model as versioned data, grades, history and re-grading."""
