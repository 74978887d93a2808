mod bad_input;
mod common;
mod demo;
mod evidence;
mod live;
mod pipeline;
mod rules_check;
mod run;
