// module_bms_view of the builtin BMS: the afe and bms of a module, and on the master its
// stack_master and can_link. Every report group exists from the BMS's first measurement, every
// aggregate group from the master's first CAN cycle (what the outputs always did).
#pragma once

#include "battery/afe.h"
#include "battery/bms.h"
#include "battery/can_link.h"
#include "battery/module_bms_view.h"
#include "battery/stack_master.h"

namespace stacksim::models {

class builtin_bms_view : public module_bms_view {
public:
    builtin_bms_view(afe& a, bms& b, stack_master* master, can_link* can)
        : m_afe(a), m_bms(b), m_master(master), m_can(can) {}

    const module_report& report() const override { return m_bms.report(); }
    bool reported(report_group) const override { return m_bms.report().time_s >= 0; }
    const stack_aggregate* aggregate() const override { return m_master ? &m_master->aggregate() : nullptr; }
    bool aggregated(aggregate_group) const override { return m_master && m_master->aggregate().time_s >= 0; }
    std::optional<bool> heartbeat_lost() const override {
        return m_can ? std::optional<bool>(m_can->heartbeat_lost()) : std::nullopt;
    }
    const proto::battery_can_state* can_state() const override { return m_can ? &m_can->last_state() : nullptr; }

    bus::rs485_initiator_socket& rs485_port() override { return m_bms.rs485; }
    bus::can_initiator_socket* can_port() override { return m_can ? &m_can->can_tx : nullptr; }
    std::string can_node_name() const override { return m_can ? m_can->can_node_name() : std::string(); }

    void set_powered(bool on) override { m_bms.set_powered(on); }
    std::string run_button(double press_s) override { return m_bms.run_button(press_s); }
    void current_changed() override { m_afe.current_changed(); }

    afe* builtin_afe() override { return &m_afe; }
    bms* builtin_bms() override { return &m_bms; }
    const bms* builtin_bms() const override { return &m_bms; }
    stack_master* builtin_master() override { return m_master; }
    can_link* builtin_can() override { return m_can; }

private:
    afe& m_afe;
    bms& m_bms;
    stack_master* m_master;
    can_link* m_can;
};

} // namespace stacksim::models
