package main

import "fmt"

// runChaos is a placeholder until the command is written.
func runChaos(args []string) int { fmt.Println("not implemented"); return 2 }
