package main

import "fmt"

// runLex is a placeholder until the command is written.
func runLex(args []string) int { fmt.Println("not implemented"); return 2 }
