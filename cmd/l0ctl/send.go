package main

import "fmt"

// runSend is a placeholder until the command is written.
func runSend(args []string) int { fmt.Println("not implemented"); return 2 }

// runPing is a placeholder until the command is written.
func runPing(args []string) int { fmt.Println("not implemented"); return 2 }

// runFault is a placeholder until the command is written.
func runFault(args []string) int { fmt.Println("not implemented"); return 2 }
