package main

import "fmt"

// runSoak is a placeholder until the command is written.
func runSoak(args []string) int { fmt.Println("not implemented"); return 2 }
