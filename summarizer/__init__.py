"""Clinical facts and the grounded case summary, in which every statement cites its source span."""
