// Analog front end of one battery module: cell-voltage, temperature (NTC) and current ADCs,
// balancing and switch drivers, behind a memory-mapped TLM-2.0 register map.
//
// The BMS (or external firmware) writes CTRL.START; the AFE samples the plant at that instant,
// and the results appear in the data registers `conversion_time_s` later (STATUS.READY).
// Register map: docs/models/afe.md. Non-idealities: per-channel gain and offset error, seeded
// Gaussian noise, ADC quantisation, and injected faults (open sense wire, stuck or drifting NTC).
//
// Bus: a transaction reads or writes one 32-bit register or a burst of consecutive registers
// (data length 4·n, address auto-increment, as an SPI/I2C AFE reads a register block); the
// target annotates the time the bus carries it: bus_setup_s + n · bus_word_s (see below).
// A conversion allocates nothing: its results live in fixed buffers of max_cells entries.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "battery/afe_config.h"
#include "battery/module_plant_if.h"
#include "numeric/normal_source.h"

namespace stacksim::models {

class afe : public sc_core::sc_module {
public:
    // Register offsets (32-bit registers).
    enum reg : std::uint32_t {
        REG_ID = 0x000,
        REG_CTRL = 0x004,      // W: bit0 START
        REG_STATUS = 0x008,    // R: bit0 READY, bit1 BUSY
        REG_SAMPLES = 0x00C,   // R: conversions done
        REG_BALANCE = 0x010,   // RW: bit k = bleed switch of cell k
        REG_DRIVE = 0x014,     // RW: bit0 main switch, bit1 precharge
        REG_OPEN_WIRE = 0x018, // R: bit k = open sense wire detected on cell k
        REG_FAULT = 0x01C,     // R: bit0 SC = short-circuit comparator tripped (latched); W1C
        REG_CELL0 = 0x020,     // R: cell k at 0x020 + 4k, counts of cell_lsb_v
        REG_MODULE_V = 0x0A0,  // R: module voltage, counts of module_lsb_v
        REG_CURRENT = 0x0A4,   // R: signed counts of current_lsb_a, + = charging
        REG_SC_CURRENT = 0x0A8, // R: signed counts of current_lsb_a: the shunt current the short-circuit
                                //    comparator tripped on, latched with FAULT.SC (before the switch opened)
        REG_NTC0 = 0x0B0,      // R: NTC i at 0x0B0 + 4i, divider ADC counts
    };
    static constexpr std::uint32_t id_value = 0x53AF0001;
    static constexpr std::uint32_t map_size = 0x100;
    static constexpr std::size_t max_cells = 32;
    // Bus timing of one transaction of n 32-bit words (annotated on b_transport's delay): an
    // address phase then the words back to back, as a 10 MHz SPI with a 16-bit command/address
    // phase and 32 bits per word carries them. A burst of n words costs one setup, n singles n.
    static constexpr double bus_bit_s = 100e-9;
    static constexpr double bus_setup_s = 16 * bus_bit_s;
    static constexpr double bus_word_s = 32 * bus_bit_s;
    static sc_core::sc_time bus_time(std::size_t words) {
        return sc_core::sc_time(bus_setup_s + static_cast<double>(words) * bus_word_s, sc_core::SC_SEC);
    }

    tlm_utils::simple_target_socket<afe> bus_in;
    sc_core::sc_port<module_plant_if> plant;

    afe(const sc_core::sc_module_name& name, const afe_config& cfg);

    std::size_t n_ntc() const { return m_cfg.ntc_sensors(); }
    const afe_config& config() const { return m_cfg; }

    // The shunt current may have changed now (a load step): evaluate the short-circuit
    // comparator at this instant. The comparator is also evaluated at every conversion start.
    void current_changed() { m_sc_check.notify(sc_core::SC_ZERO_TIME); }
    bool short_circuit_latched() const { return m_sc_latched; }

    // Fault injection.
    void set_open_wire(std::size_t cell, bool open);
    void set_ntc_stuck(std::size_t sensor, bool stuck);
    void set_ntc_drift(std::size_t sensor, double k_per_s);

    // Conversions between physical values and counts (the BMS uses the same datasheet maths).
    static double ntc_counts_to_temp_k(std::uint32_t counts, const afe_config& cfg);
    static std::uint32_t temp_k_to_ntc_counts(double temp_k, const afe_config& cfg);
    // Temperatures that certainly give `counts`: every temp_k with lo_k < temp_k < hi_k makes
    // temp_k_to_ntc_counts return counts. The exact edges, where the NTC divider crosses
    // counts -/+ 0.5, move inwards by 1 uK: millions of times the floating-point error of the
    // conversion and of the edges (below 1e-12 K from -40 to 120 degC), and a small part of a
    // count's width (0.025 K at 25 degC). Empty (lo_k > hi_k) for 0 and full scale.
    struct ntc_window {
        double lo_k = 1.0, hi_k = 0.0;
        std::uint32_t counts = 0;
        bool holds(double temp_k) const { return temp_k > lo_k && temp_k < hi_k; }
    };
    static ntc_window ntc_counts_window(std::uint32_t counts, const afe_config& cfg);

private:
    void end_of_elaboration() override;
    void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
    void start_conversion();
    void settle();
    std::uint32_t read_reg(std::uint32_t addr) const;
    void write_reg(std::uint32_t addr, std::uint32_t value);
    static double noise(num::normal_source::distribution& dist, double sigma, num::normal_source& source);
    void sc_check();
    void reset_outputs();
    void sc_trip();

    afe_config m_cfg;
    // std::normal_distribution's deviates over std::mt19937_64 (the noise is unchanged), made in
    // batches: the AFE draws 18 normal deviates per conversion.
    num::normal_source m_noise;
    // One distribution per noise source, kept across conversions (each caches the second value
    // of its polar-method pair, so every generated normal deviate is used).
    num::normal_source::distribution m_cell_noise;
    num::normal_source::distribution m_module_noise;
    num::normal_source::distribution m_current_noise;
    sc_core::sc_time m_conversion_time;
    std::array<sc_core::sc_time, map_size / 4 + 1> m_bus_time; // bus_time(words) for every transaction size
    sc_core::sc_time m_due;
    std::array<double, max_cells> m_sample_v{};      // sample-and-hold scratch of a conversion
    std::array<double, max_cells> m_sample_temp_k{}; // the cells' temperatures at its start
    std::array<std::uint32_t, max_cells> m_pending_cells{};
    std::uint32_t m_pending_module = 0;
    std::int32_t m_pending_current = 0;
    std::array<std::uint32_t, max_cells> m_pending_ntc{};
    // Per sensor, the temperatures its last counts stand for: a conversion whose temperature
    // lies inside takes those counts without the NTC's exponential (cells warm by micro-kelvins
    // between conversions; a count is 0.025 K wide).
    std::array<ntc_window, max_cells> m_ntc_window{};
    bool m_busy = false;
    bool m_ready = false;
    std::uint32_t m_samples = 0;
    std::uint32_t m_balance = 0;
    std::uint32_t m_drive = 0;
    std::uint32_t m_open_wire = 0;
    std::array<std::uint32_t, max_cells> m_cell_counts{};
    std::uint32_t m_module_counts = 0;
    std::int32_t m_current_counts = 0;
    std::array<std::uint32_t, max_cells> m_ntc_counts{};
    std::vector<bool> m_ntc_stuck;
    std::vector<double> m_ntc_drift_k_per_s;
    std::vector<double> m_ntc_drift_since_s;
    sc_core::sc_event m_sc_check;
    sc_core::sc_event m_sc_trip;
    bool m_sc_pending = false;
    bool m_sc_latched = false;
    std::int32_t m_sc_current_counts = 0; // REG_SC_CURRENT
};

} // namespace stacksim::models
