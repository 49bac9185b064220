module ssogate.dev/ssogate

go 1.21
