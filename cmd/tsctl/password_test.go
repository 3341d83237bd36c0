package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestAskPassword(t *testing.T) {
	var stderr bytes.Buffer
	c := &cli{stdin: strings.NewReader("typed-in-a-pipe\n"), stderr: &stderr}
	if _, err := c.askPassword(`CORP\u`); err == nil || !strings.Contains(err.Error(), "no terminal to ask for it on") {
		t.Errorf("without a terminal: %v", err)
	}
	var asked string
	c.readPassword = func(prompt string) (string, error) { asked = prompt; return "S3cret", nil }
	if pw, err := c.askPassword(`CORP\u`); err != nil || pw != "S3cret" || asked != `Password for CORP\u: ` {
		t.Errorf("prompt %q: %q %v", asked, pw, err)
	}
	c.readPassword = func(string) (string, error) { return "", nil }
	if _, err := c.askPassword("u"); err == nil || err.Error() != "no password given for u" {
		t.Errorf("empty: %v", err)
	}
	c.readPassword = func(string) (string, error) { return "", errors.New("EOF") }
	if _, err := c.askPassword("u"); err == nil || err.Error() != "read the password: EOF" {
		t.Errorf("read error: %v", err)
	}
	if stderr.Len() != 0 {
		t.Errorf("printed %q", stderr.String())
	}
}
