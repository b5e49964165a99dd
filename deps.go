//go:build tools

package l0lex

import (
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/klauspost/cpuid/v2"
	_ "github.com/panjf2000/gnet/v2"
	_ "github.com/prometheus/client_golang/prometheus"
)
