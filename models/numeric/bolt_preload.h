// Preload of a bolted contact over months: the fraction p of the preload its last tightening set
// that is still there. The contact's effective torque is p times the torque it was tightened to,
// and the torque -> resistance law (contact.h) turns that into its resistance. Equations and
// sources: docs/models/network.md, "Contact loosening over months"; parameters in
// models/params/wiring_default.yaml (contact.loosening.*).
//
// Three losses, each a fraction of the preload set at the last tightening (installation age t0,
// now t, both in seconds of the contact's life since installation):
//   embedding  L_e = e (exp(-t0 / t_e) - exp(-t / t_e))
//              the roughness of the clamped surfaces flattens once, after installation; a
//              re-tightening restores the preload and only the embedding still to come is lost.
//   creep      L_c = (c10 / ln 10) ln(1 + (t - t0) / t_c)
//              stress relaxation of the copper under the washer: c10 per decade of time once
//              t - t0 >> t_c; restarts at each tightening.
//   cycles     L_n = sum over counted half-cycles of k/2 (dT / dT_ref)^m
//              self-loosening by the differential expansion of copper lug and steel bolt under
//              the contact's temperature swings; k per full cycle of range dT_ref. dT is the range
//              of the contact's own temperature, so a contact that heats more (a looser one)
//              cycles harder: the feedback.
//   p = max(0, 1 - L_e - L_c - L_n).
// Cycles are counted from the temperature samples: a turning point is confirmed once the
// temperature has moved h back from the running extreme (swings smaller than h are not counted:
// solver steps, noise); the turning points go through rainflow counting (ASTM E1049-85, 5.4.4,
// streamed): a range Y closed by a following range X >= Y is a full cycle (two half-cycles), or a
// half-cycle if it contains the first point. So a small swing (a current pulse) inside a large one
// (the day's ambient swing) is counted as its own small cycle and the large one stays whole. The
// residue (half-cycles still open) counts once it closes.
//
// Fast aging (jump): the elapsed time goes into L_e and L_c exactly (closed forms in time). L_n
// repeats the closing stress window (the simulated time since start_window()) as a block, with the
// heating fed back. The window's turning points (with the first point of the run) are kept, each
// split into the ambient A and the contact's own rise above it S (T = A + S). A contact's rise is
// its I^2 R heat over its conductance to ambient: at the same currents it scales with R. Over the
// jump, in sub-steps of one window (at least jump / 10000), the window's points repeat as
// A + f S, f = R(p now) / R_w (R_w the window's time-mean resistance at the reference temperature,
// R(p) the torque law's: the caller's r_of_fraction); the block's cycles are counted by rainflow
// of the repeated block (reduced to its extremes, started and closed at its highest point, so
// every cycle closes: ASTM E1049-85's treatment of a repeated history). Within a sub-step f is
// held at its start: since the loss rate only grows as p falls, the jump's L_n is low by at most
// one sub-step times the growth of the rate over the jump (docs/models/network.md). The
// counter's temperature state is frozen across a jump.
//
// Everything zero (law inactive) leaves p = 1 exactly.
#pragma once

#include <functional>
#include <vector>

namespace stacksim::num {

// Read from models/params/wiring_default.yaml, contact.loosening.*; no values of its own.
struct bolt_preload_law {
    double embedding_fraction{};    // e
    double embedding_time_s{};      // t_e
    double creep_per_decade{};      // c10
    double creep_onset_s{};         // t_c
    double cycle_loss_per_cycle{};  // k, at a full cycle of range cycle_reference_k
    double cycle_reference_k{};     // dT_ref
    double cycle_exponent{};        // m
    double cycle_hysteresis_k{};    // h

    bool active() const { return embedding_fraction > 0.0 || creep_per_decade > 0.0 || cycle_loss_per_cycle > 0.0; }
    // L_e between installation ages t0_s and t_s.
    double embedding_loss(double t0_s, double t_s) const;
    // L_c after since_s since the last tightening.
    double creep_loss(double since_s) const;
    // Loss of one half-cycle of range range_k.
    double half_cycle_loss(double range_k) const;
    // Throws std::invalid_argument if a value is out of its physical range.
    void check() const;
};

class bolt_preload {
public:
    bolt_preload() = default; // inactive: p = 1 for ever
    explicit bolt_preload(const bolt_preload_law& law);

    const bolt_preload_law& law() const { return m_law; }
    bool active() const { return m_law.active(); }
    // p, in [0, 1].
    double fraction() const;
    double embedding_loss() const { return m_law.embedding_loss(m_t0_s, m_life_s); }
    double creep_loss() const { return m_law.creep_loss(m_life_s - m_t0_s); }
    double cycle_loss() const { return m_cycle_loss; }         // L_n since the last tightening
    double half_cycles() const { return m_half_cycles; }       // counted since the last tightening (jumps: fractional)
    double life_s() const { return m_life_s; }                 // since installation
    double since_tightening_s() const { return m_life_s - m_t0_s; }

    // Simulated time: dt_s > 0; the contact's temperature and the ambient at the step's end, and
    // its resistance at the reference temperature (the window's mean R_w for jump()).
    void advance(double dt_s, double temp_k, double ambient_k, double r_ref_ohm);
    // Fast aging: dt_s >= 0 of life, repeating the closing window with the heating fed back;
    // r_of_fraction(p) is the contact's resistance at the reference temperature at preload p.
    void jump(double dt_s, const std::function<double(double)>& r_of_fraction);
    // Loss rate of the closing window repeated as a block with the contact's rise scaled by f,
    // per s; half_cycles_per_s (optional) gets the block's half-cycles per s.
    double window_cycle_loss_rate(double f, double* half_cycles_per_s = nullptr) const;
    // A new stress window for jump() begins now.
    void start_window();
    double window_cycle_loss() const { return m_window_loss; }
    double window_s() const { return m_window_s; }
    // The preload is restored (a tightening): the clocks of creep and cycles restart.
    void tighten();

private:
    struct turning_point {
        double temp_k, ambient_k;
    };
    void count_range(const turning_point& a, const turning_point& b, double count);
    void add_turning_point(const turning_point& p);
    // Loss of one repetition of the temperatures `block` (turning points of a window), and its
    // number of half-cycles.
    double block_loss(std::vector<double> block, double& half_cycles) const;

    bolt_preload_law m_law;
    double m_life_s = 0.0;
    double m_t0_s = 0.0;
    double m_cycle_loss = 0.0;
    double m_half_cycles = 0.0;
    double m_window_loss = 0.0;
    double m_window_s = 0.0;
    double m_window_r_ohm_s = 0.0;            // integral of R_ref dt over the window
    std::vector<turning_point> m_window_points; // turning points confirmed in the window
    std::vector<turning_point> m_rainflow;    // the rainflow stack (residue)
    // reversal counter
    bool m_started = false;
    int m_dir = 0;          // +1 rising, -1 falling, 0 not yet known
    double m_turn_k = 0.0;  // last turning point: temperature and ambient there
    double m_turn_amb_k = 0.0;
    double m_peak_k = 0.0;  // running extreme since it: temperature and ambient there
    double m_peak_amb_k = 0.0;
};

} // namespace stacksim::num
