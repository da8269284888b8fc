//! Analysis over core values: matrices, co-occurrence, saturation, agreement.
