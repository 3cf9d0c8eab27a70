#include "firmware/plant_switch_gate.h"

namespace stacksim::models {

void plant_switch_gate::set_switch(bool closed) {
    m_fets = closed;
    apply();
}

void plant_switch_gate::set_contactor(bool closed) {
    m_contactor = closed;
    apply();
}

void plant_switch_gate::apply() {
    const bool closed = m_fets && m_contactor;
    if (m_known && closed == m_applied)
        return; // no change: the plant is not touched (no extra re-solve)
    m_known = true;
    m_applied = closed;
    m_cells.set_switch(closed);
}

} // namespace stacksim::models
