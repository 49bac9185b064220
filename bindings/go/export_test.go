package ssogate

// Sentinels lets the external tests check that every failure code has its sentinel.
var Sentinels = sentinels
