// Numbers as text for reports: machine outputs (CSV, JSON) keep every bit, summaries fix digits.
#pragma once

#include <string>

namespace visage::eval {

// The shortest decimal that reads back as the same double ("0.1", "1e-05", "inf", "nan").
std::string round_trip(double value);

// `digits` significant digits, trailing zeros dropped ("0.0001", "1.00266").
std::string significant(double value, int digits);

// `decimals` digits after the point ("0.9735").
std::string fixed(double value, int decimals);

}  // namespace visage::eval
