package kernel

import "github.com/klauspost/cpuid/v2"

// cpuAVX2 reports whether the CPU (and OS) support AVX2 and BMI2.
func cpuAVX2() bool { return cpuid.CPU.Supports(cpuid.AVX2, cpuid.BMI1, cpuid.BMI2) }

// simdUsable reports whether the AVX2 path can run here.
func simdUsable() bool { return simdBuilt && cpuAVX2() }

// simdReason explains why the AVX2 path can or cannot run here.
func simdReason() string {
	switch {
	case !simdBuilt:
		return simdNotBuiltReason
	case !cpuAVX2():
		return "CPU lacks AVX2 (" + cpuid.CPU.BrandName + ")"
	}
	return "CPU has AVX2, built with GOEXPERIMENT=simd" + buildLevel
}
