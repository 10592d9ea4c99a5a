// Package hailong holds the domain of the Hài Lòng citizen-satisfaction system:
// questionnaires, ratings, units of the administrative hierarchy and the one
// error type every layer speaks. It imports no framework and no database, so
// the kiosk node, the aggregator and their tests share one vocabulary.
package hailong
