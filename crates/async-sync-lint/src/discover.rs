//! Finding the packages and files to lint (in progress).
