package service

import "testing"

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"lab/lab.db", "lab/lab.db"},
		{"postgres://datalab:s3cret@127.0.0.1:5432/lab?sslmode=disable", "postgres://datalab:xxxxx@127.0.0.1:5432/lab?sslmode=disable"},
		{"postgres://datalab@127.0.0.1/lab", "postgres://datalab@127.0.0.1/lab"},
	}
	for _, tt := range tests {
		if got := RedactDSN(tt.in); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true}, {"localhost:8080", true}, {"[::1]:8080", true},
		{"0.0.0.0:8080", false}, {":8080", false}, {"192.0.2.1:80", false}, {"example.org:80", false},
	}
	for _, tt := range tests {
		if got := isLoopback(tt.addr); got != tt.want {
			t.Errorf("isLoopback(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}
