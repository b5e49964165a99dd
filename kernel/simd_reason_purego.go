//go:build purego

package kernel

const notBuiltReason = "purego build tag"
