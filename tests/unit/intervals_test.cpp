// The intervals behind every ratio and verdict: exact coverage at small
// samples, pairing that cancels drift, and the three-way bar decision.
#include <gtest/gtest.h>

#include <cmath>

#include "measure/intervals.hpp"

namespace kvslo {
namespace {

TEST(Intervals, FiveValuesCannotReach95PercentAndSayHowFarTheyGet) {
  const Interval i = location_interval({1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(i.estimate, 3);
  EXPECT_DOUBLE_EQ(i.low, 1);
  EXPECT_DOUBLE_EQ(i.high, 5);
  EXPECT_DOUBLE_EQ(i.confidence, 1 - 2.0 / 32);
  EXPECT_FALSE(i.reaches());
  EXPECT_EQ(decide_bar(i, 0.5, false), BarDecision::kUndecided);  // above the bar, but not at 95%
}

TEST(Intervals, SixValuesReach95PercentWithTheirRange) {
  const Interval i = location_interval({6, 1, 5, 2, 4, 3});
  EXPECT_DOUBLE_EQ(i.low, 1);
  EXPECT_DOUBLE_EQ(i.high, 6);
  EXPECT_DOUBLE_EQ(i.confidence, 1 - 2.0 / 64);
  EXPECT_TRUE(i.reaches());
}

TEST(Intervals, TenValuesUseTheTabulatedCriticalValue) {
  // Wilcoxon signed rank, n = 10: two-sided 5% critical value 8, so the
  // interval runs from the 9th to the 47th of the 55 Walsh averages.
  std::vector<double> v;
  for (int i = 1; i <= 10; ++i) v.push_back(i);
  const Interval i = location_interval(v);
  EXPECT_DOUBLE_EQ(i.estimate, 5.5);
  EXPECT_GT(i.confidence, 0.95);
  EXPECT_LT(i.confidence, 0.96);
  EXPECT_GT(i.low, 1);
  EXPECT_LT(i.high, 10);
}

TEST(Intervals, LargeSamplesFallBackToTheMediansSignInterval) {
  std::vector<double> v;
  for (int i = 0; i < 1001; ++i) v.push_back(i);
  const Interval i = location_interval(v);
  EXPECT_DOUBLE_EQ(i.estimate, 500);
  EXPECT_TRUE(i.reaches());
  EXPECT_LT(i.low, 500);
  EXPECT_GT(i.high, 500);
  EXPECT_LT(i.high - i.low, 100);
}

TEST(Intervals, TheMediansIntervalIsTheSignTests) {
  // Six values: min..max covers 1 - 2/64; ten: the 2nd to the 9th cover 1 - 2 x 11/1024.
  Interval six = median_interval({3, 1, 2, 6, 5, 4});
  EXPECT_DOUBLE_EQ(six.estimate, 3.5);
  EXPECT_DOUBLE_EQ(six.low, 1);
  EXPECT_DOUBLE_EQ(six.high, 6);
  EXPECT_DOUBLE_EQ(six.confidence, 1 - 2.0 / 64);
  std::vector<double> v;
  for (int i = 1; i <= 10; ++i) v.push_back(i);
  const Interval ten = median_interval(v);
  EXPECT_DOUBLE_EQ(ten.low, 2);
  EXPECT_DOUBLE_EQ(ten.high, 9);
  EXPECT_DOUBLE_EQ(ten.confidence, 1 - 2 * 11.0 / 1024);
  EXPECT_FALSE(median_interval({1, 2, 3}).reaches());
  EXPECT_TRUE(median_interval({}).empty());
}

TEST(Intervals, PairingCancelsDriftThatHidesTheRatio) {
  // The host slows down 3x over the run; in every round a is 1.2x b.
  std::vector<double> a, b;
  for (int r = 0; r < 8; ++r) {
    const double speed = 3.0 - 0.25 * r;
    b.push_back(speed);
    a.push_back(1.2 * speed);
  }
  const Interval paired = paired_ratio(a, b);
  EXPECT_NEAR(paired.estimate, 1.2, 1e-12);
  EXPECT_NEAR(paired.low, 1.2, 1e-12);
  EXPECT_NEAR(paired.high, 1.2, 1e-12);
  EXPECT_EQ(decide_bar(paired, 1.1, false), BarDecision::kMet);
  const Interval unpaired = unpaired_ratio(a, b);
  EXPECT_EQ(decide_bar(unpaired, 1.1, false), BarDecision::kUndecided);  // the drift swamps it unpaired
  EXPECT_LT(unpaired.low, 1.0);
}

TEST(Intervals, RatiosAreSymmetricOnLogarithms) {
  const Interval up = paired_ratio({2, 4, 8, 2, 4, 8}, {1, 1, 1, 1, 1, 1});
  const Interval down = paired_ratio({1, 1, 1, 1, 1, 1}, {2, 4, 8, 2, 4, 8});
  EXPECT_NEAR(up.estimate * down.estimate, 1, 1e-12);
  EXPECT_NEAR(up.low * down.high, 1, 1e-12);
}

TEST(Intervals, NonPositiveFiguresAreLeftOut) {
  const Interval i = paired_ratio({1, 0, 2, -1}, {1, 1, 0, 1});
  EXPECT_EQ(i.n, 1u);
  EXPECT_TRUE(positive_interval({0, -3}).empty());
  EXPECT_TRUE(unpaired_ratio({}, {1}).empty());
  EXPECT_EQ(decide_bar(Interval{}, 1, false), BarDecision::kUndecided);
}

TEST(Intervals, MannWhitneyIntervalHasTheTabulatedCoverage) {
  // m = n = 5: two-sided 5% critical U is 2, so P(U <= 2) = 4/252.
  const Interval i = unpaired_ratio({20, 21, 22, 23, 24}, {10, 10.5, 11, 11.5, 12});
  EXPECT_NEAR(i.confidence, 1 - 2 * 4.0 / 252, 1e-12);
  EXPECT_GT(i.low, 1.5);
  EXPECT_LT(i.high, 2.5);
  EXPECT_EQ(decide_bar(i, 1.3, false), BarDecision::kMet);
  EXPECT_EQ(decide_bar(i, 3.0, false), BarDecision::kMissed);
  EXPECT_EQ(decide_bar(i, 3.0, true), BarDecision::kMet);
  EXPECT_EQ(decide_bar(i, 1.0, true), BarDecision::kMissed);
}

TEST(Intervals, AnIntervalAcrossTheBarIsUndecided) {
  const Interval i = paired_ratio({1.0, 1.1, 0.9, 1.05, 0.95, 1.02}, {1, 1, 1, 1, 1, 1});
  EXPECT_EQ(decide_bar(i, 1.0, false), BarDecision::kUndecided);
  EXPECT_EQ(format_ratio(i).substr(0, 5), "1.00x");
  EXPECT_LT(i.relative_half_width(), 0.11);
}

}  // namespace
}  // namespace kvslo
