// A time profile: piecewise-linear (or stepwise) values over simulated time, optionally
// repeating with a period (a daily load curve used for every day of a long run). Plain C++ (no
// SystemC): the inverter uses it for its set-points, the scenario reader fills it.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace stacksim::models {

struct profile {
    // The points' times or values: a read-only array that copies of the profile share (a CSV
    // profile of millions of points is held once, 8 bytes per number, however often the scenario
    // and the inverter configuration are copied). push_back copies first if the array is shared.
    class array {
    public:
        array() = default;
        array(std::initializer_list<double> v) : m_data(std::make_shared<std::vector<double>>(v)) {}
        explicit array(std::vector<double>&& v) : m_data(std::make_shared<std::vector<double>>(std::move(v))) {}

        bool empty() const { return size() == 0; }
        std::size_t size() const { return m_data ? m_data->size() : 0; }
        const double* begin() const { return m_data ? m_data->data() : nullptr; }
        const double* end() const { return begin() + size(); }
        double front() const { return (*m_data).front(); }
        double back() const { return (*m_data).back(); }
        double operator[](std::size_t i) const { return (*m_data)[i]; }
        void push_back(double v) {
            if (!m_data)
                m_data = std::make_shared<std::vector<double>>();
            else if (m_data.use_count() > 1)
                m_data = std::make_shared<std::vector<double>>(*m_data);
            m_data->push_back(v);
        }

    private:
        std::shared_ptr<std::vector<double>> m_data;
    };

    enum class interp { linear, step };
    array t_s;
    array value;
    interp mode = interp::linear;
    double period_s = 0.0; // > 0: value(t) = value(t mod period_s); period_s >= the last point's time

    static profile constant(double v) { return profile{{0.0}, {v}, interp::step, 0.0}; }
    // Value at t: held before the first and after the last point (within a period if periodic).
    double at(double t) const;
};

} // namespace stacksim::models
